using Pier.Configuration;
using Pier.Os;
using Pier.Resources;
using Pier.Routing;
using Pier.Supervision;

namespace Pier.Replication;

/// <summary>
/// The workers of one service. Holds the desired count and replaces workers the kamal-proxy way:
/// start the new one, wait until it is ready (it enters rotation by itself), then drain and stop the
/// old one. A new worker that crashes or is not ready in time abandons the change and the old ones
/// keep serving. Each change of one of its workers publishes the service's route anew (<see cref="PoolRoute"/>).
/// </summary>
internal sealed class ServicePool : IWorkerObserver
{
    /// <summary>A background worker (no health check) counts as started once it stayed up this long.</summary>
    private static readonly TimeSpan BackgroundSettle = TimeSpan.FromSeconds(1);

    private readonly SupervisionContext _context;
    private readonly Action<WorkerTransition> _changed;
    private readonly Func<UsageSnapshot> _usage;
    private readonly PoolRoute _route;
    private readonly object _lock = new();
    private Worker[] _workers = [];
    private int _generation = 1;

    /// <param name="changed">Told of every change of every worker of the pool, after the route has been published.</param>
    public ServicePool(ServiceConfig service, SupervisionContext context, LiveRoutes routes, Func<UsageSnapshot> usage, Action<WorkerTransition> changed)
    {
        Service = service;
        _context = context;
        _changed = changed;
        _usage = usage;
        _route = new PoolRoute(routes, context.Time);
    }

    /// <summary>Why fewer workers run than desired, when the memory budget said so.</summary>
    public string? Note { get; private set; }

    /// <summary>The config the pool's workers run; replaced once a deploy has gone through.</summary>
    public ServiceConfig Service { get; private set; }

    /// <summary>Every worker, old and new during a deploy, ordered by slot.</summary>
    public IReadOnlyList<Worker> Workers => Volatile.Read(ref _workers);

    public int Desired => Service.Workers;

    public void Start()
    {
        PublishRoute();
        foreach (var number in Enumerable.Range(1, Affordable(Service.Workers)))
            Add(new Worker(Service, number, _generation, _context, this)).Start();
    }

    /// <summary>How many workers in all the memory budget allows, out of <paramref name="count"/>; sets <see cref="Note"/>.</summary>
    private int Affordable(int count)
    {
        var usage = _usage();
        var running = Workers.Where(w => w.Status.Pid is not null).ToList();
        var measured = running.Select(w => usage.Workers.TryGetValue(w.Status.Pid!.Value, out var u) ? u.MemoryBytes : 0);
        var (fit, why) = MemoryBudget.Check(count - Workers.Count, MemoryBudget.PerWorker(Service, measured), MemoryInfo.Read());
        Note = Service.WorkersAuto ? $"workers: auto = {Environment.ProcessorCount} CPU cores" + (why is null ? ", all within the memory budget" : $"; {why}") : why;
        if (why is not null)
            _context.Output.Write("pier", $"{Service.Name}: {why}", isError: true);
        else if (Service.WorkersAuto)
            _context.Output.Write("pier", $"{Service.Name}: {Note}");
        return Workers.Count + fit;
    }

    /// <summary>Publishes the service's route as it is now: a service Pier only forwards to has no workers whose changes would.</summary>
    public void PublishRoute() => _route.Publish(Service, Workers);

    /// <summary>Stops every worker at once (drain, SIGTERM, stop timeout, SIGKILL) and waits for all.</summary>
    public Task StopAsync(string cause) => Task.WhenAll(Workers.Select(w => StopAndRemoveAsync(w, cause)));

    /// <summary>Stops every worker, then takes the service out of routing: it was removed from the config.</summary>
    public async Task RemoveAsync(string cause)
    {
        await StopAsync(cause);
        _route.Remove(Service.Name);
    }

    /// <summary>Adds workers (and waits until they are ready) or drains and stops the highest-numbered ones.</summary>
    public async Task<string?> ScaleAsync(int count, Action<string> progress, CancellationToken cancellation)
    {
        var current = Workers.OrderBy(w => w.Number).ToList();
        Service = Service with { Workers = count };
        Note = null;
        if (count < current.Count)
        {
            var surplus = current.Skip(count).ToList();
            progress($"{Service.Name}: draining {string.Join(", ", surplus.Select(w => w.Id))}");
            await Task.WhenAll(surplus.Select(w => StopAndRemoveAsync(w, $"scaled down to {count}")));
            progress($"{Service.Name}: {count} worker(s)");
            return null;
        }
        var affordable = Affordable(count);
        if (affordable < count)
            progress($"{Service.Name}: {Note}");
        var added = Enumerable.Range(current.Count == 0 ? 1 : current.Max(w => w.Number) + 1, affordable - current.Count)
            .Select(n => Add(new Worker(Service, n, _generation, _context, this)))
            .ToList();
        foreach (var worker in added)
        {
            progress($"{worker.Id}: starting");
            worker.Start();
        }
        var failures = await Task.WhenAll(added.Select(w => WaitStartedAsync(w, progress, cancellation)));
        var failure = failures.FirstOrDefault(f => f is not null);
        if (failure is null)
            progress($"{Service.Name}: {affordable} worker(s)");
        return failure;
    }

    /// <summary>
    /// Rolling replacement of every worker with <paramref name="next"/>, <c>max_surge</c> at a time.
    /// Returns null when done, else why it was abandoned.
    /// </summary>
    public async Task<string?> ReplaceAsync(ServiceConfig next, Action<string> progress, CancellationToken cancellation)
    {
        var generation = Interlocked.Increment(ref _generation);
        var old = Workers.OrderBy(w => w.Number).ToList();
        // Slots to fill: the current ones, plus any that the new count adds; surplus old ones are drained at the end.
        var numbers = old.Select(w => w.Number).Concat(Enumerable.Range((old.Count == 0 ? 0 : old.Max(w => w.Number)) + 1, Math.Max(0, next.Workers - old.Count)))
            .Take(next.Workers).ToList();
        var surge = Math.Max(1, (next.Deploy ?? DeployPolicy.Default).MaxSurge);
        var replaced = 0;
        foreach (var batch in numbers.Chunk(surge))
        {
            var started = batch.Select(n => Add(new Worker(next, n, generation, _context, this))).ToList();
            foreach (var worker in started)
            {
                progress($"{worker.Id}: starting (generation {generation})");
                worker.Start();
            }
            var failures = await Task.WhenAll(started.Select(w => WaitStartedAsync(w, progress, cancellation)));
            if (failures.FirstOrDefault(f => f is not null) is { } failure)
            {
                progress($"{next.Name}: deploy abandoned; stopping the new worker(s)");
                await Task.WhenAll(started.Select(w => StopAndRemoveAsync(w, "deploy abandoned")));
                return replaced == 0
                    ? failure
                    : $"{failure}; {replaced} worker(s) already run the new version, the others the old one";
            }
            var retiring = old.Where(w => batch.Contains(w.Number)).ToList();
            foreach (var worker in retiring)
                progress($"{worker.Id}: draining generation {worker.Status.Generation}");
            await Task.WhenAll(retiring.Select(w => StopAndRemoveAsync(w, "replaced by a deploy")));
            replaced += batch.Length;
        }
        var surplus = old.Where(w => !numbers.Contains(w.Number)).ToList();
        await Task.WhenAll(surplus.Select(w => StopAndRemoveAsync(w, "removed by a deploy")));
        Service = next;
        // Its hosts may have changed with it.
        PublishRoute();
        return null;
    }

    /// <summary>Replaces one worker: its successor first, then the old one is drained. A failed slot simply starts again.</summary>
    public async Task<string?> RestartAsync(int number, Action<string> progress, CancellationToken cancellation, string cause)
    {
        var old = Workers.FirstOrDefault(w => w.Number == number);
        var next = Add(new Worker(Service, number, old?.Status.Generation ?? _generation, _context, this));
        progress($"{next.Id}: starting a replacement");
        next.Start();
        if (await WaitStartedAsync(next, progress, cancellation) is { } failure)
        {
            await StopAndRemoveAsync(next, "restart abandoned");
            return failure;
        }
        if (old is not null)
        {
            progress($"{old.Id}: draining the old process");
            await StopAndRemoveAsync(old, cause);
        }
        return null;
    }

    /// <summary>Null once the worker is ready (or, without a port, stayed up a moment); else why it did not start.</summary>
    private async Task<string?> WaitStartedAsync(Worker worker, Action<string> progress, CancellationToken cancellation)
    {
        var readyTimeout = (worker.Service.Deploy ?? DeployPolicy.Default).ReadyTimeout;
        using var late = new CancellationTokenSource(readyTimeout, _context.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation, late.Token);
        try
        {
            var status = await worker.WaitForAsync(s => s.State is WorkerState.Ready or WorkerState.Running or WorkerState.Backoff or WorkerState.Failed, timeout.Token);
            if (status.State == WorkerState.Running)
            {
                await Task.Delay(BackgroundSettle, _context.Time, timeout.Token);
                status = worker.Status;
            }
            if (status.State is WorkerState.Ready or WorkerState.Running)
            {
                progress($"{worker.Id}: {status.State.ToString().ToLowerInvariant()} (pid {status.Pid})");
                return null;
            }
            var said = status.LastStderr.Count > 0 ? $"; it said: {string.Join(" | ", status.LastStderr.TakeLast(3))}" : "";
            return $"{worker.Id} did not start: {status.LastExit}{said}";
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return $"{worker.Id} was not ready within {Worker.Format(readyTimeout)}";
        }
    }

    private Worker Add(Worker worker)
    {
        lock (_lock)
            _workers = [.. _workers, worker];
        return worker;
    }

    private async Task StopAndRemoveAsync(Worker worker, string cause)
    {
        await worker.StopAsync(cause);
        lock (_lock)
            _workers = _workers.Where(w => w != worker).ToArray();
        PublishRoute();
    }

    void IWorkerObserver.Changed(WorkerTransition transition)
    {
        PublishRoute();
        _changed(transition);
    }

    Task IWorkerObserver.DrainAsync(WorkerStatus status, TimeSpan deadline) => _route.DrainAsync(status, deadline);
}
