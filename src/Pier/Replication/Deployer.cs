using System.Diagnostics;
using Pier.Configuration;
using Pier.PreStart;
using Pier.Resources;
using Pier.Routing;
using Pier.Supervision;

namespace Pier.Replication;

/// <summary>
/// The desired state and every kind of deploy. Owns the pools (the services and their worker counts
/// live in them; the config as read is never written back) and runs one deploy at a time: the start,
/// reload, restart and scale wait for the one in progress; autoscale and memory recycling skip while
/// one runs and ask again later.
/// </summary>
internal sealed class Deployer
{
    private readonly SemaphoreSlim _deploying = new(1, 1);
    private readonly string? _stateOverride;
    private readonly SupervisionContext _context;
    private readonly LiveRoutes _routes;
    private readonly Func<UsageSnapshot> _usage;
    private readonly EventHistory? _events;
    private readonly CancellationToken _stopping;
    private volatile PierConfig _file;
    private volatile ServicePool[] _pools;

    /// <param name="config">The config Pier started with; its services become the pools, not started yet.</param>
    /// <param name="stopping">Pier is stopping: a deploy in progress is abandoned.</param>
    public Deployer(PierConfig config, string? stateOverride, SupervisionContext context, LiveRoutes routes, Func<UsageSnapshot> usage,
        EventHistory? events, CancellationToken stopping)
    {
        _file = config;
        _stateOverride = stateOverride;
        _context = context;
        _routes = routes;
        _usage = usage;
        _events = events;
        _stopping = stopping;
        _pools = config.Services.Select(NewPool).ToArray();
    }

    /// <summary>Every change of every worker, after its service's route has been published.</summary>
    public event Action<WorkerTransition>? WorkerChanged;

    /// <summary>A reload (deploy) began; <see cref="Deployed"/> follows whatever its outcome.</summary>
    public event Action? Deploying;

    public event Action? Deployed;

    /// <summary>The pools in config order, services added by a reload last.</summary>
    public IReadOnlyList<ServicePool> Pools => _pools;

    /// <summary>The config file as last deployed, for its name and paths; its services are the pools'.</summary>
    public PierConfig File => _file;

    /// <summary>How long a whole shutdown may take, by the services that run now (a reload may have changed it).</summary>
    public TimeSpan LongestStopTimeout
    {
        get
        {
            var pools = _pools;
            return pools.Length == 0 ? _file.LongestStopTimeout : pools.Max(p => p.Service.StopTimeout);
        }
    }

    /// <summary>What the sampling looks at each second.</summary>
    public IReadOnlyList<SampledService> Sampled() => _pools.Select(p => new SampledService(p.Service, p.Desired, p.Workers)).ToList();

    /// <summary>Runs the before steps, then starts every pool; the failure of a step, when one failed (nothing was started).</summary>
    public async Task<BeforeStepRunner.Failure?> StartAsync(Action<string> say)
    {
        await _deploying.WaitAsync();
        try
        {
            var failure = await new BeforeStepRunner(_file, _context.Output, _context.Guard).RunAsync(say, _stopping);
            if (failure is null)
                foreach (var pool in _pools)
                    pool.Start();
            return failure;
        }
        finally
        {
            _deploying.Release();
        }
    }

    /// <summary>Stops every worker of every service at once.</summary>
    public Task StopAsync(string cause) => Task.WhenAll(_pools.Select(p => p.StopAsync(cause)));

    /// <summary>
    /// Reads the config again and deploys it: validate (a bad file changes nothing), before steps,
    /// then per service a rolling replacement, a scale, or nothing, as the change needs. Returns
    /// false when refused or abandoned; the old version then keeps serving.
    /// </summary>
    public Task<bool> ReloadAsync(string? service, Action<string> progress, CancellationToken cancellation) =>
        DeployAsync("deploy", service is null ? "reload" : $"reload of {service}", progress, cancellation, async token =>
        {
            PierConfig next;
            try
            {
                next = ConfigLoader.Load(_file.FilePath, _stateOverride);
            }
            catch (ConfigException e)
            {
                foreach (var error in e.Errors)
                    progress(error.ToString());
                return "the config has errors; nothing was changed";
            }
            if (service is not null && next.Services.All(s => s.Name != service))
                return $"there is no service '{service}' in {next.FilePath}";
            if (next.Listen != _file.Listen)
                progress($"listen changed: the front door keeps {_file.Listen.Http} until Pier restarts");

            if (next.Before.Count > 0)
            {
                var failure = await new BeforeStepRunner(next, _context.Output, _context.Guard).RunAsync(progress, token);
                if (failure is not null)
                {
                    foreach (var line in failure.Tail)
                        progress("  " + line);
                    return failure.Message;
                }
            }

            foreach (var wanted in next.Services.Where(s => service is null || s.Name == service))
            {
                var pool = Find(wanted.Name);
                string? problem;
                if (pool is null)
                {
                    pool = NewPool(wanted with { Workers = 0 });
                    _pools = [.. _pools, pool];
                    pool.PublishRoute();
                    progress($"{wanted.Name}: new service");
                    problem = await pool.ScaleAsync(wanted.Workers, progress, token);
                }
                else
                {
                    var change = ServiceChanges.Compare(pool.Service, wanted);
                    progress($"{wanted.Name}: {(change == ServiceChange.Scale ? "only the worker count changed" : "replacing every worker, rolling")}");
                    problem = change == ServiceChange.Scale
                        ? await pool.ScaleAsync(wanted.Workers, progress, token)
                        : await pool.ReplaceAsync(wanted, progress, token);
                }
                if (problem is not null)
                    return problem;
            }
            if (service is null)
            {
                foreach (var removed in _pools.Where(p => next.Services.All(s => s.Name != p.Service.Name)).ToList())
                {
                    progress($"{removed.Service.Name}: removed from the config; draining");
                    await removed.RemoveAsync("removed from the config");
                    _pools = _pools.Where(p => p != removed).ToArray();
                }
            }
            _file = next with { Listen = _file.Listen };
            return null;
        });

    /// <summary>`pier restart web.2` replaces one worker; `pier restart web` every worker of the service, rolling.</summary>
    public Task<bool> RestartAsync(string target, Action<string> progress, CancellationToken cancellation) =>
        DeployAsync("deploy", $"restart of {target}", progress, cancellation, async token =>
        {
            var dot = target.LastIndexOf('.');
            var serviceName = dot > 0 && int.TryParse(target[(dot + 1)..], out _) ? target[..dot] : target;
            var pool = Find(serviceName);
            if (pool is null)
                return $"there is no service '{serviceName}'; services: {string.Join(", ", _pools.Select(p => p.Service.Name))}";
            if (serviceName == target)
                return await pool.ReplaceAsync(pool.Service, progress, token);
            var number = int.Parse(target[(dot + 1)..]);
            if (pool.Workers.All(w => w.Number != number))
                return $"there is no worker {target}; {serviceName} has {string.Join(", ", pool.Workers.Select(w => w.Id))}";
            return await pool.RestartAsync(number, progress, token, "restarted by the operator");
        });

    /// <summary>`pier scale web=6`: adds workers (ready before it returns) or drains the surplus.</summary>
    public Task<bool> ScaleAsync(string service, int workers, Action<string> progress, CancellationToken cancellation) =>
        DeployAsync("scale", $"scale {service}={workers}", progress, cancellation, async token =>
        {
            var pool = Find(service);
            if (pool is null)
                return $"there is no service '{service}'; services: {string.Join(", ", _pools.Select(p => p.Service.Name))}";
            return await pool.ScaleAsync(workers, progress, token);
        });

    /// <summary>The CPU band asks for another worker count; skipped while a deploy runs, which decides the workers itself.</summary>
    public Task AutoscaleAsync(string service, int wanted, string why) =>
        UnlessDeployingAsync(async () =>
        {
            if (Find(service) is not { } pool)
                return;
            var message = $"autoscale {service}: {pool.Desired} → {wanted} workers ({why})";
            Say(message);
            _events?.Record("scale", service, null, message);
            if (await pool.ScaleAsync(wanted, Say, _stopping) is { } problem)
                Say($"autoscale {service}: {problem}");
        });

    /// <summary>
    /// Replaces a worker over its memory limit, gracefully: the successor is ready before the old one drains.
    /// Skipped while a deploy runs, which replaces the worker anyway; the watch fires again if it is still needed.
    /// </summary>
    public Task RecycleAsync(Worker worker, long memory) =>
        UnlessDeployingAsync(async () =>
        {
            if (_pools.FirstOrDefault(p => p.Workers.Contains(worker)) is not { } pool)
                return;
            var message = $"recycled {worker.Id}: {ByteSize.Format(memory)} > {ByteSize.Format(worker.Service.Memory!.Limit!.Value)}";
            Say(message);
            _events?.Record("recycle", worker.Service.Name, worker.Id, message);
            if (await pool.RestartAsync(worker.Number, Say, _stopping, "recycled: over its memory limit") is { } problem)
                Say($"recycling {worker.Id} failed: {problem}; it keeps running");
        });

    /// <summary>Runs one deploy at a time; the operation returns null on success or why it failed.</summary>
    private async Task<bool> DeployAsync(string kind, string description, Action<string> progress, CancellationToken cancellation,
        Func<CancellationToken, Task<string?>> operation)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _stopping);
        if (!_deploying.Wait(0))
        {
            progress("waiting for the deploy in progress to finish");
            await _deploying.WaitAsync(linked.Token);
        }
        var clock = Stopwatch.StartNew();
        if (kind == "deploy")
            Deploying?.Invoke();
        try
        {
            var problem = await operation(linked.Token);
            if (problem is null)
            {
                progress($"done in {clock.Elapsed.TotalSeconds:0.0}s");
                _events?.Record(kind, null, null, $"{description}: done in {clock.Elapsed.TotalSeconds:0.0}s");
                return true;
            }
            progress($"abandoned: {problem}; what ran before keeps serving");
            _events?.Record(kind, null, null, $"{description}: abandoned: {problem}");
            return false;
        }
        catch (OperationCanceledException)
        {
            progress("abandoned: Pier is stopping");
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            progress($"abandoned: {e.Message}; what ran before keeps serving");
            return false;
        }
        finally
        {
            _deploying.Release();
            // systemd waits for READY=1 after RELOADING=1, whatever the outcome.
            if (kind == "deploy")
                Deployed?.Invoke();
        }
    }

    private async Task UnlessDeployingAsync(Func<Task> action)
    {
        if (!_deploying.Wait(0))
            return;
        try
        {
            await action();
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _deploying.Release();
        }
    }

    private ServicePool? Find(string service) => _pools.FirstOrDefault(p => p.Service.Name == service);

    private void Say(string message) => _context.Output.Write("pier", message);

    private ServicePool NewPool(ServiceConfig service) => new(service, _context, _routes, _usage, t => WorkerChanged?.Invoke(t));
}
