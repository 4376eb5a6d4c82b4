using Pier.Resources;
using Pier.Supervision;

namespace Pier.Tests.Resources;

/// <summary>Which worker transitions the event history keeps, and in what words.</summary>
public sealed class WorkerEventsTests
{
    private static readonly WorkerStatus Fresh = new("web.1", "web", WorkerState.Starting, null, null, 0, null, null, [], null, 1);
    private static readonly WorkerStatus Started = Fresh with { Pid = 42, Endpoint = WorkerEndpoint.ForPort(8001) };
    private static readonly WorkerStatus Ready = Started with { State = WorkerState.Ready };

    [Fact]
    public void AStartAndReadiness_AreEvents()
    {
        Assert.Equal(("start", "web.1 started (pid 42, generation 1)"), WorkerEvents.Describe(Fresh, Started, UsageSnapshot.Empty));
        Assert.Equal(("ready", "web.1 ready on port 8001 (pid 42)"), WorkerEvents.Describe(Started, Ready, UsageSnapshot.Empty));
    }

    [Fact]
    public void AnExit_SaysWhy_WhatItLastSaid_AndItsMemoryAtTheEnd_WhenItWasMeasured()
    {
        var stopping = Ready with { State = WorkerState.Stopping };
        var backoff = stopping with { State = WorkerState.Backoff, Pid = null, Endpoint = null, LastExit = "exit code 1", LastStderr = ["boom"] };
        var usage = new UsageSnapshot(DateTimeOffset.UnixEpoch, HostUsage.Unknown, new Dictionary<int, WorkerUsage> { [42] = new(42, 12.5, 64 << 20, 64 << 20, 1) });

        Assert.Null(WorkerEvents.Describe(Ready, stopping, usage));
        Assert.Equal(("exit", "web.1 exited: exit code 1; memory at the end: 64 MiB; last stderr: boom"), WorkerEvents.Describe(stopping, backoff, usage));
    }

    [Fact]
    public void AnOomKill_AFailureAndAStop_AreEventsOfTheirOwnKinds()
    {
        var gone = Ready with { State = WorkerState.Stopping, Pid = null, Endpoint = null };

        Assert.Equal("oom", WorkerEvents.Describe(gone, gone with { State = WorkerState.Backoff, LastExit = "OOM-killed: over memory.hard 256 MiB" }, UsageSnapshot.Empty)?.Kind);
        Assert.Equal(("failed", "web.1 failed: 5 crashes"), WorkerEvents.Describe(gone, gone with { State = WorkerState.Failed, LastExit = "5 crashes" }, UsageSnapshot.Empty));
        Assert.Equal(("stop", "web.1 stopped: stopped by Pier"), WorkerEvents.Describe(gone, gone with { State = WorkerState.Stopped, LastExit = "stopped by Pier" }, UsageSnapshot.Empty));
    }
}
