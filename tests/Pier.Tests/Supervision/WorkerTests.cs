using System.Collections.Concurrent;
using Pier.Supervision;

namespace Pier.Tests.Supervision;

/// <summary>One worker slot's state machine on a fake clock: backoff, giving up, the ready timeout, a graceful stop.</summary>
public sealed class WorkerTests
{
    private static readonly TimeSpan Real = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ACrashedWorker_WaitsOutItsBackoff_OnTheClock_BeforeItStartsAgain()
    {
        using var rig = new SupervisionRig("""
              web:
                run: sh -c 'exit 3'
                restart: { backoff: 2s..2s, give_up: 10 in 1m }
            """);
        var worker = new Worker(rig.Service(), 1, 1, rig.Context, new Recorder());
        worker.Start();

        var backoff = await Wait(worker, s => s.State == WorkerState.Backoff);
        Assert.Equal(rig.Time.GetUtcNow() + TimeSpan.FromSeconds(2), backoff.NextStartAt);
        Assert.Contains("exit code 3", backoff.LastExit);

        rig.Time.Advance(TimeSpan.FromSeconds(1.9));
        await Task.Delay(200);
        Assert.Equal(0, worker.Status.Restarts);

        rig.Time.Advance(TimeSpan.FromSeconds(0.2));
        await Wait(worker, s => s.Restarts == 1);
        await worker.StopAsync("test over");
    }

    [Fact]
    public async Task AWorkerThatKeepsCrashing_GivesUp_AfterThreeCrashesInTheWindow()
    {
        using var rig = new SupervisionRig("""
              web:
                run: echo "cannot open the database" >&2; exit 3
                restart: { backoff: 1s..1s, give_up: 3 in 1m }
            """);
        var recorder = new Recorder();
        var worker = new Worker(rig.Service(), 1, 1, rig.Context, recorder);
        worker.Start();

        for (var crash = 0; crash < 2; crash++)
        {
            var restarts = crash;
            await Wait(worker, s => s.State == WorkerState.Backoff && s.Restarts == restarts);
            rig.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var failed = await Wait(worker, s => s.State == WorkerState.Failed);

        Assert.StartsWith("3 crashes within 1m; last: exit code 3", failed.LastExit);
        Assert.Equal(["cannot open the database"], failed.LastStderr);
        Assert.Equal(3, recorder.Transitions.Count(t => t.After.State == WorkerState.Starting && t.After.Pid is not null));
    }

    [Fact]
    public async Task AWorkerThatNeverListens_IsStopped_OnceItsReadyTimeoutHasPassed_AndNotBefore()
    {
        using var rig = new SupervisionRig("""
              web:
                run: exec sleep 30
                http: {}
                ready_timeout: 3s
                restart: { backoff: 1s..1s }
            """);
        var recorder = new Recorder(rig.Time);
        var worker = new Worker(rig.Service(), 1, 1, rig.Context, recorder);
        var started = rig.Time.GetUtcNow();
        worker.Start();

        await rig.PassTimeUntilAsync(() => worker.Status.State == WorkerState.Backoff, TimeSpan.FromMilliseconds(50), "the ready timeout");

        var stopping = recorder.Transitions.Single(t => t.After.State == WorkerState.Stopping);
        Assert.True(recorder.At[stopping] > started + TimeSpan.FromSeconds(3), $"stopped at {recorder.At[stopping] - started}");
        Assert.Contains("not ready within 3s", worker.Status.LastExit);
        Assert.Empty(recorder.Drains);
        await worker.StopAsync("test over");
    }

    [Fact]
    public async Task StoppingAReadyWorker_DrainsIt_WithItsStopTimeout_ThenEndsItsProcess()
    {
        using var rig = new SupervisionRig("""
              web:
                run: exec python3 -m http.server $PORT --bind 127.0.0.1
                http: {}
                stop: { timeout: 7s }
            """);
        var recorder = new Recorder();
        var worker = new Worker(rig.Service(), 1, 1, rig.Context, recorder);
        worker.Start();
        await rig.PassTimeUntilAsync(() => worker.Status.State == WorkerState.Ready, TimeSpan.FromMilliseconds(5), "readiness");
        var pid = worker.Status.Pid!.Value;

        await worker.StopAsync("test over").WaitAsync(Real);

        var (drained, deadline) = Assert.Single(recorder.Drains);
        Assert.Equal((WorkerState.Stopping, pid), (drained.State, drained.Pid));
        Assert.Equal(TimeSpan.FromSeconds(7), deadline);
        Assert.Equal(WorkerState.Stopped, worker.Status.State);
        Assert.Contains("test over", worker.Status.LastExit);
        Assert.False(Directory.Exists($"/proc/{pid}"));
        var transitions = recorder.Transitions.ToList();
        Assert.Equal([WorkerState.Starting, WorkerState.Ready, WorkerState.Stopping, WorkerState.Stopped], transitions.Select(t => t.After.State));
        // Each transition starts where the one before ended: nothing to diff.
        for (var i = 1; i < transitions.Count; i++)
            Assert.Same(transitions[i - 1].After, transitions[i].Before);
    }

    private static Task<WorkerStatus> Wait(Worker worker, Func<WorkerStatus, bool> condition) =>
        worker.WaitForAsync(condition, CancellationToken.None).WaitAsync(Real);

    /// <summary>Keeps what a worker tells its pool, and when (on the fake clock) it told it.</summary>
    private sealed class Recorder(TimeProvider? time = null) : IWorkerObserver
    {
        public ConcurrentQueue<WorkerTransition> Transitions { get; } = new();

        public ConcurrentDictionary<WorkerTransition, DateTimeOffset> At { get; } = new();

        public ConcurrentQueue<(WorkerStatus Status, TimeSpan Deadline)> Drains { get; } = new();

        public void Changed(WorkerTransition transition)
        {
            At[transition] = (time ?? TimeProvider.System).GetUtcNow();
            Transitions.Enqueue(transition);
        }

        public Task DrainAsync(WorkerStatus status, TimeSpan deadline)
        {
            Drains.Enqueue((status, deadline));
            return Task.CompletedTask;
        }
    }
}
