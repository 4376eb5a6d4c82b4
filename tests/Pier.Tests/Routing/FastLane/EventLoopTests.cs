using Pier.Resources;
using Pier.Routing;
using Pier.Routing.FastLane;

namespace Pier.Tests.Routing.FastLane;

public sealed class EventLoopTests
{
    [Fact]
    public void WhatALoopKnowsOfARoute_CostsNoAllocationAfterTheFirstRequest()
    {
        // Asked twice a request (can the loop forward it, its metrics): an allocation here costs a collection
        // every few seconds under load, which stops both loops.
        var route = new ServiceRoute("web", [], [new Destination("web-1", "http://127.0.0.1:9/")]);
        var routes = new LiveRoutes();
        routes.Publish(route);
        var loop = new EventLoop(new FastLaneContext(routes, new PierMetrics(), _ => { },
            WorkerAddress.ForSocket(Path.Combine(Path.GetTempPath(), "pier-unused.sock"))));
        try
        {
            Assert.True(loop.Routes.CanForward(route));
            loop.Routes.SeriesOf(route);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                loop.Routes.CanForward(route);
                loop.Routes.SeriesOf(route);
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally
        {
            // A stopped loop's Run closes its epoll set and wake-up descriptor at once.
            loop.Stop();
            loop.Run();
        }
    }
}
