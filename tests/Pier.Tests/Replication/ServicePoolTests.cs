using System.Collections.Concurrent;
using Pier.Replication;
using Pier.Resources;
using Pier.Routing;
using Pier.Supervision;
using Pier.Tests.Supervision;

namespace Pier.Tests.Replication;

/// <summary>One service's pool on a fake clock: rolling replacement in batches, an abandoned deploy, scaling.</summary>
public sealed class ServicePoolTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task ARollingReplace_StartsMaxSurgeWorkersAtATime_AndDrainsTheOldOnesOfEachBatchBeforeTheNext()
    {
        using var rig = new SupervisionRig("""
              web:
                run: exec sleep 30
                workers: 4
                max_surge: 2
            """);
        var most = 0;
        ServicePool? pool = null;
        pool = new ServicePool(rig.Service(), rig.Context, new LiveRoutes(), () => UsageSnapshot.Empty,
            _ => most = Math.Max(most, pool!.Workers.Count));
        pool.Start();
        await rig.WaitUntilAsync(() => pool.Workers.All(w => w.Status.State == WorkerState.Running), "four running workers");
        var progress = new ConcurrentQueue<string>();

        var replace = pool.ReplaceAsync(pool.Service, progress.Enqueue, CancellationToken.None);
        await rig.PassTimeUntilAsync(() => replace.IsCompleted, Step, "the rolling replacement");

        Assert.Null(await replace);
        Assert.Equal(6, most);
        Assert.All(pool.Workers, w => Assert.Equal(2, w.Status.Generation));
        Assert.Equal([1, 2, 3, 4], pool.Workers.Select(w => w.Number).Order());
        var lines = progress.ToList();
        int At(string line) => lines.FindIndex(l => l.StartsWith(line, StringComparison.Ordinal));
        Assert.True(At("web.2: starting (generation 2)") < At("web.1: draining generation 1"), string.Join('\n', lines));
        Assert.True(At("web.2: draining generation 1") < At("web.3: starting (generation 2)"), string.Join('\n', lines));
        await pool.StopAsync("test over");
    }

    [Fact]
    public async Task AReplaceWhoseNewWorkerCrashes_IsAbandoned_AndTheOldWorkersKeepRunning()
    {
        using var rig = new SupervisionRig("""
              web:
                run: exec sleep 30
                workers: 2
                restart: { backoff: 5s..5s }
            """);
        var pool = new ServicePool(rig.Service(), rig.Context, new LiveRoutes(), () => UsageSnapshot.Empty, _ => { });
        pool.Start();
        await rig.WaitUntilAsync(() => pool.Workers.All(w => w.Status.State == WorkerState.Running), "two running workers");
        var before = pool.Workers.Select(w => w.Status.Pid).ToList();
        var progress = new ConcurrentQueue<string>();

        var replace = pool.ReplaceAsync(pool.Service with { Run = "echo 'no module named app' >&2; exit 3" }, progress.Enqueue, CancellationToken.None);
        await rig.PassTimeUntilAsync(() => replace.IsCompleted, Step, "the abandoned replacement");

        Assert.StartsWith("web.1 did not start: exit code 3; it said: no module named app", await replace);
        Assert.Contains("web: deploy abandoned; stopping the new worker(s)", progress);
        Assert.Equal(before, pool.Workers.Select(w => w.Status.Pid));
        Assert.Equal("exec sleep 30", pool.Service.Run);
        await pool.StopAsync("test over");
    }

    [Fact]
    public async Task ScalingUp_AddsTheNextSlots_AndScalingDown_DrainsTheHighestNumbered()
    {
        using var rig = new SupervisionRig("""
              web:
                run: exec sleep 30
            """);
        var pool = new ServicePool(rig.Service(), rig.Context, new LiveRoutes(), () => UsageSnapshot.Empty, _ => { });
        pool.Start();
        await rig.WaitUntilAsync(() => pool.Workers.Single().Status.State == WorkerState.Running, "the first worker");
        var first = pool.Workers.Single().Status.Pid;

        var up = pool.ScaleAsync(3, _ => { }, CancellationToken.None);
        await rig.PassTimeUntilAsync(() => up.IsCompleted, Step, "scaling up");
        Assert.Null(await up);
        Assert.Equal(3, pool.Desired);
        Assert.Equal([1, 2, 3], pool.Workers.Select(w => w.Number).Order());

        Assert.Null(await pool.ScaleAsync(1, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(1, pool.Desired);
        Assert.Equal(first, pool.Workers.Single().Status.Pid);
        await pool.StopAsync("test over");
    }
}
