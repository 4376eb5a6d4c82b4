using Pier.Supervision;
using Pier.Routing;

namespace Pier.Tests.Routing;

public sealed class PowerOfTwoChoicesTests
{
    [Fact]
    public void Pick_PrefersTheLessBusyOfTwo()
    {
        var idle = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), 1001);
        var busy = Destination.ForWorker("web.2", WorkerEndpoint.ForPort(2), 1002);
        for (var i = 0; i < 10; i++)
            busy.Begin();

        for (var i = 0; i < 50; i++)
            Assert.Same(idle, PowerOfTwoChoices.Pick([idle, busy], null, 0));
    }

    [Fact]
    public void Pick_SkipsExcludedAndRefusedDestinations()
    {
        var a = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), 1001);
        var b = Destination.ForWorker("web.2", WorkerEndpoint.ForPort(2), 1002);
        var c = Destination.ForWorker("web.3", WorkerEndpoint.ForPort(3), 1003);
        b.MarkRefused(100);

        for (var i = 0; i < 50; i++)
            Assert.Same(c, PowerOfTwoChoices.Pick([a, b, c], [a], 100));
        Assert.Null(PowerOfTwoChoices.Pick([a, b], [a], 100));
    }

    [Fact]
    public void Pick_SpreadsLoadOverEveryIdleDestination()
    {
        var destinations = Enumerable.Range(1, 4).Select(i => Destination.ForWorker($"web.{i}", WorkerEndpoint.ForPort(i), 1000 + i)).ToArray();

        var picked = Enumerable.Range(0, 400).Select(_ => PowerOfTwoChoices.Pick(destinations, null, 0)!.WorkerId).ToHashSet();

        Assert.Equal(4, picked.Count);
    }
}
