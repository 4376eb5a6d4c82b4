using Pier.Configuration;

namespace Pier.Supervision;

/// <summary>
/// One worker slot of a service (<c>web.2</c>): starts its process, waits until it is ready, watches
/// its health, restarts it with backoff when it dies or hangs, and gives up on a crash loop. The
/// loop is straight-line async code; every change is published as a new <see cref="WorkerStatus"/> and
/// told to the observer as a <see cref="WorkerTransition"/>.
/// </summary>
internal sealed class Worker
{
    private static readonly TimeSpan LeftoverGrace = TimeSpan.FromSeconds(2);

    private readonly ServiceConfig _service;
    private readonly SupervisionContext _context;
    private readonly RestartBackoff _backoff;
    private readonly IWorkerObserver _observer;
    private readonly CancellationTokenSource _stop = new();
    private volatile WorkerStatus _status;
    private TaskCompletionSource _statusChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _run = Task.CompletedTask;
    private string _stopCause = "stopped by Pier";

    /// <param name="generation">Counts deploys: a worker started by the second deploy of its service is generation 2.</param>
    public Worker(ServiceConfig service, int number, int generation, SupervisionContext context, IWorkerObserver observer)
    {
        _service = service;
        _context = context;
        _observer = observer;
        _backoff = new RestartBackoff(service.Restart, Random.Shared);
        Number = number;
        Id = $"{service.Name}.{number}";
        _status = new WorkerStatus(Id, service.Name, WorkerState.Starting, null, null, 0, null, null, [], null, generation);
    }

    public string Id { get; }

    /// <summary>The slot number: web.2 is 2. A replacement started by a deploy takes the same number.</summary>
    public int Number { get; }

    public ServiceConfig Service => _service;

    public WorkerStatus Status => _status;

    public bool IsHttp => _service.Http is not null;

    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Takes the worker out of rotation, lets its requests finish, stops its process group; returns when it is gone.</summary>
    public async Task StopAsync(string cause)
    {
        _stopCause = cause;
        await _stop.CancelAsync();
        await _run;
    }

    /// <summary>Waits until the status meets the condition; returns that status.</summary>
    public async Task<WorkerStatus> WaitForAsync(Func<WorkerStatus, bool> condition, CancellationToken cancellation)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _statusChanged).Task;
            var status = _status;
            if (condition(status))
                return status;
            await changed.WaitAsync(cancellation);
        }
    }

    /// <summary>Runs the slot until <paramref name="stop"/> fires (then stops the process gracefully) or it gives up.</summary>
    private async Task RunAsync(CancellationToken stop)
    {
        var starts = 0;
        while (!stop.IsCancellationRequested)
        {
            WorkerEndpoint? endpoint;
            try
            {
                endpoint = !IsHttp ? null
                    : _service.Http!.UnixSocket ? _context.Sockets.Allocate(_service)
                    : WorkerEndpoint.ForPort(PortAllocator.Next());
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // Retrying cannot help: the folder or path is wrong until the operator changes something.
                Publish(_status with { State = WorkerState.Failed, Pid = null, Endpoint = null, StartedAt = null, LastExit = e.Message });
                _context.Output.Write("pier", $"{Id} failed: {e.Message}", isError: true);
                return;
            }
            var hard = _service.Memory?.Hard;
            var cgroup = hard is { } limit && _context.Cgroups is { } cgroups
                ? cgroups.Create(Id, _status.Generation * 10_000 + starts, limit)
                : null;
            var spec = Spec(endpoint) with { CgroupProcs = cgroup?.ProcsFile };
            using var process = WorkerProcess.Start(spec, _context.Output, new Dictionary<string, string>
            {
                ["PIER_WORKER"] = Id,
                [OrphanGuard.StateVariable] = _context.StateDirectory,
            });
            _context.Guard.Track(process.Pid);
            var startedAt = _context.Time.GetUtcNow();
            Publish(_status with
            {
                State = WorkerState.Starting, Pid = process.Pid, Endpoint = endpoint, Restarts = starts++,
                StartedAt = startedAt, NextStartAt = null,
            });

            var problem = await WatchAsync(process, endpoint, stop);
            // Served before it ended: an HTTP worker that was in rotation, a background one that stayed up past its start.
            var startedWell = _status.State == WorkerState.Ready
                || (_status.State == WorkerState.Running && _context.Time.GetUtcNow() - startedAt >= RestartBackoff.StartGrace);

            ExitReason reason;
            if (problem is not null || stop.IsCancellationRequested)
            {
                var wasReady = _status.State == WorkerState.Ready;
                Publish(_status with { State = WorkerState.Stopping });
                if (problem is not null)
                    _context.Output.Write("pier", $"{Id}: {problem}; restarting");
                else if (wasReady)
                    await _observer.DrainAsync(_status, _service.StopTimeout);
                reason = await process.StopAsync(_service.StopTimeout, problem ?? _stopCause);
            }
            else
            {
                // Out of rotation (and its destination marked gone) the moment the exit is seen; then its
                // last output, then whatever the worker left in its group.
                Publish(_status with { State = WorkerState.Stopping, Pid = null, Endpoint = null });
                await process.Exited;
                reason = cgroup?.OomKills() > 0
                    ? process.Reason($"OOM-killed: over memory.hard {Configuration.ByteSize.Format(hard!.Value)}")
                    : process.Reason();
                await process.CleanUpGroupAsync(LeftoverGrace);
            }
            _context.Guard.Forget(process.Pid);
            cgroup?.Delete();
            if (endpoint is not null)
                _context.Sockets.Release(endpoint);

            if (stop.IsCancellationRequested)
            {
                Publish(_status with { State = WorkerState.Stopped, Pid = null, Endpoint = null, StartedAt = null, LastExit = reason.Describe() });
                return;
            }

            var now = _context.Time.GetUtcNow();
            var delay = _backoff.RecordCrash(now, now - startedAt, startedWell);
            var lastStderr = reason.LastStderr;
            if (delay is null)
            {
                var why = $"{_backoff.RecentCrashes} crashes within {Format(_service.Restart.GiveUpWindow)}; last: {reason.Describe()}";
                Publish(_status with { State = WorkerState.Failed, Pid = null, Endpoint = null, StartedAt = null, LastExit = why, LastStderr = lastStderr });
                _context.Output.Write("pier", $"{Id} failed: {why}" + (lastStderr.Count > 0 ? $" — {lastStderr[^1]}" : ""), isError: true);
                return;
            }
            // The timer is set before anyone hears of the backoff: whoever moves the clock on seeing it (a test's fake
            // clock) must find the timer there, or the restart would wait a whole backoff more.
            var backoff = Task.Delay(delay.Value, _context.Time, stop);
            Publish(_status with
            {
                State = WorkerState.Backoff, Pid = null, Endpoint = null, StartedAt = null,
                LastExit = reason.Describe(), LastStderr = lastStderr, NextStartAt = now + delay.Value,
            });
            _context.Output.Write("pier", $"{Id} exited ({reason.Describe()}); " + (delay.Value == TimeSpan.Zero ? "restarting now" : $"restarting in {Format(delay.Value)}"));
            try
            {
                await backoff;
            }
            catch (OperationCanceledException)
            {
                Publish(_status with { State = WorkerState.Stopped, NextStartAt = null });
                return;
            }
        }
    }

    /// <summary>
    /// Waits for readiness, then watches liveness. Returns null when the process ended by itself or a
    /// stop was asked for; otherwise the reason it must be restarted (not ready in time, unhealthy).
    /// </summary>
    private async Task<string?> WatchAsync(WorkerProcess process, WorkerEndpoint? endpoint, CancellationToken stop)
    {
        var health = _service.Http?.Health;
        var readyTimeout = (_service.Deploy ?? DeployPolicy.Default).ReadyTimeout;
        var started = _context.Time.GetUtcNow();
        var readyBy = started + readyTimeout;
        if (endpoint is not null)
        {
            using (_context.Readiness.Wait())
            {
                var timeout = health?.Timeout ?? HealthCheckConfig.DefaultTimeout;
                string? lastProblem = "not started";
                while (lastProblem is not null)
                {
                    if (await ExitedOrStoppedWithin(process, _context.Readiness.Interval, stop))
                        return null;
                    if (_context.Time.GetUtcNow() > readyBy)
                        return $"not ready within {Format(readyTimeout)} ({lastProblem})";
                    // A connection first: it costs next to nothing, so a starting worker can be looked at often;
                    // the health path once it listens.
                    lastProblem = await _context.Probe.CheckAsync(endpoint, null, timeout, stop);
                    if (lastProblem is null && health is not null)
                        lastProblem = await _context.Probe.CheckAsync(endpoint, health.Path, timeout, stop);
                }
            }
            Publish(_status with { State = WorkerState.Ready });
            _context.Output.Write("pier", $"{Id} ready on {endpoint} (pid {process.Pid})");
        }
        else
        {
            Publish(_status with { State = WorkerState.Running });
        }

        if (endpoint is null || health is null)
        {
            await Task.WhenAny(process.Ended, Task.Delay(Timeout.Infinite, stop));
            return null;
        }

        var failures = 0;
        while (true)
        {
            if (await ExitedOrStoppedWithin(process, health.Interval, stop))
                return null;
            var problem = await _context.Probe.CheckAsync(endpoint, health.Path, health.Timeout, stop);
            if (stop.IsCancellationRequested || process.Ended.IsCompleted)
                return null;
            failures = problem is null ? 0 : failures + 1;
            if (failures >= health.Failures)
                return $"health check failed {failures} times in a row ({problem})";
        }
    }

    private async Task<bool> ExitedOrStoppedWithin(WorkerProcess process, TimeSpan wait, CancellationToken stop)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var timer = Task.Delay(wait, _context.Time, delay.Token);
        await Task.WhenAny(process.Ended, timer);
        delay.Cancel();
        return process.Ended.IsCompleted || stop.IsCancellationRequested;
    }

    private ProcessSpec Spec(WorkerEndpoint? endpoint)
    {
        var spec = new ProcessSpec(Id, _service.Run, _service.Directory, _service.Env) { User = _service.User };
        return endpoint switch
        {
            { SocketPath: { } path } => spec.WithSocket(path),
            { Port: { } port } => spec.WithPort(port),
            _ => spec,
        };
    }

    private void Publish(WorkerStatus status)
    {
        var before = _status;
        _status = status;
        Interlocked.Exchange(ref _statusChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        _observer.Changed(new WorkerTransition(this, before, status));
    }

    internal static string Format(TimeSpan span) => span switch
    {
        { TotalMilliseconds: < 1000 } => $"{span.TotalMilliseconds:0}ms",
        { TotalSeconds: >= 60, Seconds: 0, Milliseconds: 0 } => $"{span.TotalMinutes:0.#}m",
        { TotalSeconds: < 120 } => $"{span.TotalSeconds:0.#}s",
        _ => $"{span.TotalMinutes:0.#}m",
    };
}
