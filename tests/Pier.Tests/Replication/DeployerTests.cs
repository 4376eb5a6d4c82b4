using System.Collections.Concurrent;
using Pier.Replication;
using Pier.Resources;
using Pier.Routing;
using Pier.Supervision;
using Pier.Tests.Supervision;

namespace Pier.Tests.Replication;

/// <summary>The deployer on a fake clock: one deploy at a time, the desired state it keeps, each pool's own route.</summary>
public sealed class DeployerTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task Autoscale_IsSkipped_WhileADeployRuns_AndRunsOnceItIsDone()
    {
        using var rig = new SupervisionRig("""
              web:
                run: exec sleep 30
            """);
        var deployer = new Deployer(rig.Config, null, rig.Context, new LiveRoutes(), () => UsageSnapshot.Empty, null, CancellationToken.None);
        Assert.Null(await deployer.StartAsync(_ => { }));
        var pool = deployer.Pools.Single();
        await rig.WaitUntilAsync(() => pool.Workers.Single().Status.State == WorkerState.Running, "the first worker");
        var progress = new ConcurrentQueue<string>();

        // The replacement waits, on the clock, until it has stayed up a moment: the deploy is in progress.
        var restart = deployer.RestartAsync("web.1", progress.Enqueue, CancellationToken.None);
        await rig.WaitUntilAsync(() => pool.Workers.Count == 2 && pool.Workers[1].Status.State == WorkerState.Running, "the replacement");
        var skipped = deployer.AutoscaleAsync("web", 3, "cpu 95% of a core per worker");

        Assert.True(skipped.IsCompleted);
        Assert.Equal(1, pool.Desired);
        Assert.DoesNotContain("autoscale web", rig.Output);

        await rig.PassTimeUntilAsync(() => restart.IsCompleted, Step, "the restart");
        Assert.True(await restart, string.Join('\n', progress));
        var scale = deployer.AutoscaleAsync("web", 2, "cpu 95% of a core per worker");
        await rig.PassTimeUntilAsync(() => scale.IsCompleted, Step, "the autoscale");

        Assert.Equal(2, pool.Desired);
        Assert.Equal(2, pool.Workers.Count);
        Assert.Contains("autoscale web: 1 → 2 workers (cpu 95% of a core per worker)", rig.Output);
        await deployer.StopAsync("test over");
    }

    [Fact]
    public async Task AReloadThatRaisesTheStopTimeout_RaisesWhatTheShutdownWaits_WithoutTouchingTheConfigRead()
    {
        using var rig = new SupervisionRig("""
              web:
                run: exec sleep 30
                stop: { timeout: 1s }
            """);
        var deployer = new Deployer(rig.Config, null, rig.Context, new LiveRoutes(), () => UsageSnapshot.Empty, null, CancellationToken.None);
        await deployer.StartAsync(_ => { });
        await rig.WaitUntilAsync(() => deployer.Pools.Single().Workers.Single().Status.State == WorkerState.Running, "the first worker");
        Assert.Equal(TimeSpan.FromSeconds(1), deployer.LongestStopTimeout);

        rig.Rewrite("""
              web:
                run: exec sleep 30
                stop: { timeout: 6s }
                workers: 2
            """);
        var progress = new ConcurrentQueue<string>();
        var reload = deployer.ReloadAsync(null, progress.Enqueue, CancellationToken.None);
        await rig.PassTimeUntilAsync(() => reload.IsCompleted, Step, "the reload");

        Assert.True(await reload, string.Join('\n', progress));
        Assert.Contains("web: replacing every worker, rolling", progress);
        Assert.Equal(TimeSpan.FromSeconds(6), deployer.LongestStopTimeout);
        Assert.Equal(2, deployer.Pools.Single().Desired);
        Assert.Equal(1, rig.Config.Services.Single().Workers);
        await deployer.StopAsync("test over");
    }

    [Fact]
    public async Task AChangeOfOneServicesWorker_PublishesThatServicesRouteAlone()
    {
        using var rig = new SupervisionRig("""
              web:
                run: exec python3 -m http.server $PORT --bind 127.0.0.1
                workers: 2
                http: {}
              other:
                run: exec python3 -m http.server $PORT --bind 127.0.0.1
                http: {}
            """);
        var routes = new LiveRoutes();
        var deployer = new Deployer(rig.Config, null, rig.Context, routes, () => UsageSnapshot.Empty, null, CancellationToken.None);
        await deployer.StartAsync(_ => { });
        ServiceRoute Route(string service) => routes.Current.Routes.Single(r => r.Service == service);
        await rig.PassTimeUntilAsync(() => Route("web").Destinations.Length == 2 && Route("other").Destinations.Length == 1, Step, "three ready workers");
        var other = Route("other");
        var (first, second) = (Route("web").Destinations.Single(d => d.WorkerId == "web.1"), Route("web").Destinations.Single(d => d.WorkerId == "web.2"));

        var restart = deployer.RestartAsync("web.1", _ => { }, CancellationToken.None);
        await rig.PassTimeUntilAsync(() => restart.IsCompleted, Step, "the restart of web.1");

        Assert.True(await restart);
        Assert.Same(other, Route("other"));
        Assert.Equal(2, Route("web").Destinations.Length);
        Assert.Same(second, Route("web").Destinations.Single(d => d.WorkerId == "web.2"));
        Assert.NotSame(first, Route("web").Destinations.Single(d => d.WorkerId == "web.1"));
        Assert.True(first.IsRetiring);
        Assert.True(await first.DiesWithinAsync(TimeSpan.Zero));
        await deployer.StopAsync("test over");
    }
}
