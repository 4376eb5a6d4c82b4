using System.Diagnostics;
using System.Runtime.InteropServices;
using Pier.Certificates;
using Pier.Configuration;
using Pier.Control;
using Pier.PreStart;
using Pier.Replication;
using Pier.Resources;
using Pier.Routing;
using Pier.Supervision;

namespace Pier.Hosting;

/// <summary>
/// `pier up`: runs one configuration in the foreground. Data flows one way: config → pools of
/// supervised workers → routing snapshots → front door. Shutdown runs the other way: the front door
/// drains first, while the workers still serve, then the workers stop. Deploys (reload, restart,
/// scale) run one at a time.
/// </summary>
internal sealed class PierHost
{
    private readonly string? _stateOverride;
    private readonly TextWriter _console;
    private readonly bool _color;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly Dictionary<string, Destination> _destinations = new();
    private readonly object _routesLock = new();
    private readonly SemaphoreSlim _deploying = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private volatile PierConfig _config;
    private volatile ServicePool[] _pools = [];
    private readonly ResourceSampler _sampler = new();
    private readonly MemoryWatch _memoryWatch = new();
    private readonly Autoscaler _autoscaler = new();
    private readonly HeapTrim _heapTrim = new();
    private readonly PierMetrics _metrics = new();
    // Weak keys: a worker that is gone takes its entry with it.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Worker, WorkerStatus> _lastSeen = new();
    private readonly LiveRoutes _routes = new();
    private SupervisionContext? _context;
    private EventHistory? _events;
    private CertificateManager? _certificates;
    private SystemdNotifier? _systemd;

    public PierHost(PierConfig config, string? stateOverride, TextWriter console, bool color)
    {
        _config = config;
        _stateOverride = stateOverride;
        _console = console;
        _color = color;
    }

    /// <summary>Runs until SIGTERM or SIGINT; returns the process exit code.</summary>
    public async Task<int> RunAsync()
    {
        var state = _config.StateDirectory;
        Directory.CreateDirectory(state);
        File.SetUnixFileMode(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // First: OpenSSL takes its settings at its first use. Only the HTTPS listener needs them, and
        // https changes only with a restart.
        var openSsl = _config.Https is null ? null : OpenSslDefaults.Apply(state);

        using var instance = InstanceLock.TryAcquire(state, out var holder);
        if (instance is null)
        {
            await Console.Error.WriteLineAsync(
                $"pier: another Pier (PID {holder ?? "unknown"}) is already running with state directory {state}; " +
                "see it with `pier status`, or stop it first");
            return 1;
        }

        foreach (var user in _config.Services.Select(s => s.User).OfType<string>().Distinct())
        {
            try
            {
                WorkerUser.Resolve(user);
            }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync($"pier: {e.Message} ({_config.FilePath})");
                return 2;
            }
        }
        using var systemd = _systemd = new SystemdNotifier();

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            _stopping.Cancel();
        }

        await using var output = new OutputSink(Path.Combine(state, "logs"), _console, _color, _config.Logs);
        void Say(string message) => output.Write("pier", message);
        if (openSsl is not null)
            Say($"TLS: {openSsl}");
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Say("SIGHUP: reloading the config");
            _ = ReloadAsync(null, Say, _stopping.Token);
        });

        var ended = await OrphanGuard.EndLeftoversAsync(state);
        if (ended.Count > 0)
            Say($"ended {ended.Count} process(es) left running by a previous Pier that was killed: PID {string.Join(", ", ended)}");
        using var guard = new OrphanGuard(state);
        using var sockets = new WorkerSockets(_config.Name, state);
        using var probe = new HealthProbe(sockets);
        MemoryCgroups? cgroups = null;
        if (_config.Services.Any(s => s.Memory?.Hard is not null))
        {
            cgroups = MemoryCgroups.Detect(_config.Name, out var unavailable);
            if (unavailable is not null)
                Say($"memory.hard is not enforced: {unavailable}; memory.limit (graceful recycling) still applies");
        }
        _context = new SupervisionContext(output, guard, probe, state, TimeProvider.System, DrainAsync, sockets, cgroups);

        await using var events = _events = new EventHistory(state);
        await using var certificates = _certificates = _config.Https is null ? null
            : new CertificateManager(_config.Https, state, (line, isError) => output.Write("certs", line, isError), TimeProvider.System);

        var api = new ControlApi(this);
        await using var control = new ControlServer(state, api);
        await control.StartAsync(_stopping.Token);
        var adminConfig = _config.Admin ?? AdminConfig.Default;
        AdminServer? admin;
        try
        {
            admin = await StartAdminAsync(adminConfig, api, AdminToken.LoadOrCreate(state), Say);
        }
        catch (IOException e)
        {
            await CannotListenAsync($"for admin on {adminConfig.Address}:{adminConfig.Port}", "admin.listen", e);
            return 1;
        }
        await using var adminServer = admin;

        await using var frontDoor = new FrontDoor(_config.Listen, _routes, _metrics, sockets, line => output.Write("proxy", line, isError: true), certificates,
            Path.Combine(state, "front-door.sock"));
        try
        {
            await frontDoor.StartAsync(_stopping.Token);
        }
        catch (IOException e)
        {
            await CannotListenAsync($"on {Describe(_config.Listen)}" + (_config.Listen.HttpsPort is { } port ? $" and {port}" : ""), "listen", e);
            return 1;
        }
        Say($"{_config.Name}: listening on http {Describe(_config.Listen)}" +
            (_config.Listen.HttpsPort is { } httpsPort ? $" and https {Describe(_config.Listen with { HttpAddress = _config.Listen.HttpsAddress, HttpPort = httpsPort })}" : "") +
            $" (pid {Environment.ProcessId})");
        // Once the listeners are up, so that ACME can validate through them.
        certificates?.Start();

        await _deploying.WaitAsync();
        var failure = await new BeforeStepRunner(_config, output, guard).RunAsync(Say, _stopping.Token);
        if (failure is not null)
        {
            await frontDoor.StopAsync(_config.LongestStopTimeout);
            await output.DisposeAsync();
            if (_stopping.IsCancellationRequested)
                return 0;
            await Console.Error.WriteLineAsync($"pier: {failure.Message}; no worker was started.");
            if (failure.Tail.Count > 0)
                await Console.Error.WriteLineAsync("last output:\n  " + string.Join("\n  ", failure.Tail));
            if (failure.LogFile is not null)
                await Console.Error.WriteLineAsync($"full output: {failure.LogFile}");
            return failure.ExitCode;
        }

        _pools = _config.Services.Select(NewPool).ToArray();
        foreach (var pool in _pools)
            pool.Start();
        // Services Pier only forwards to have no workers whose changes would build the routes.
        RebuildRoutes();
        _deploying.Release();
        ReportToSystemd();
        using var reaper = ZombieReaper.StartIfInit(() => _pools.SelectMany(p => p.Workers).Select(w => w.Status.Pid ?? 0));

        await SampleUntilStoppedAsync(Say);

        _systemd?.Stopping("stopping: draining requests in flight, then stopping workers");
        Say($"stopping: draining requests in flight (up to {Worker.Format(_config.LongestStopTimeout)}), then stopping workers");
        await frontDoor.StopAsync(_config.LongestStopTimeout);
        await Task.WhenAll(_pools.Select(p => p.StopAsync("Pier is stopping")));
        cgroups?.Dispose();
        Say("stopped");
        return 0;
    }

    /// <summary>
    /// Reads the config again and deploys it: validate (a bad file changes nothing), before steps,
    /// then per service a rolling replacement, a scale, or nothing, as the change needs. Returns
    /// false when refused or abandoned; the old version then keeps serving.
    /// </summary>
    public Task<bool> ReloadAsync(string? service, Action<string> progress, CancellationToken cancellation) =>
        DeployAsync("deploy", service is null ? "reload" : $"reload of {service}", progress, cancellation, async () =>
        {
            PierConfig next;
            try
            {
                next = ConfigLoader.Load(_config.FilePath, _stateOverride);
            }
            catch (ConfigException e)
            {
                foreach (var error in e.Errors)
                    progress(error.ToString());
                return "the config has errors; nothing was changed";
            }
            if (service is not null && next.Services.All(s => s.Name != service))
                return $"there is no service '{service}' in {next.FilePath}";
            if (next.Listen != _config.Listen)
                progress($"listen changed: the front door keeps {Describe(_config.Listen)} until Pier restarts");

            if (next.Before.Count > 0)
            {
                var failure = await new BeforeStepRunner(next, _context!.Output, _context.Guard).RunAsync(progress, cancellation);
                if (failure is not null)
                {
                    foreach (var line in failure.Tail)
                        progress("  " + line);
                    return failure.Message;
                }
            }

            foreach (var wanted in next.Services.Where(s => service is null || s.Name == service))
            {
                var pool = _pools.FirstOrDefault(p => p.Service.Name == wanted.Name);
                string? problem;
                if (pool is null)
                {
                    pool = NewPool(wanted with { Workers = 0 });
                    _pools = [.. _pools, pool];
                    progress($"{wanted.Name}: new service");
                    problem = await pool.ScaleAsync(wanted.Workers, progress, cancellation);
                }
                else
                {
                    var change = ServiceChanges.Compare(pool.Service, wanted);
                    progress($"{wanted.Name}: {Describe(change)}");
                    problem = change == ServiceChange.Scale
                        ? await pool.ScaleAsync(wanted.Workers, progress, cancellation)
                        : await pool.ReplaceAsync(wanted, progress, cancellation);
                }
                if (problem is not null)
                    return problem;
            }
            if (service is null)
            {
                foreach (var removed in _pools.Where(p => next.Services.All(s => s.Name != p.Service.Name)).ToList())
                {
                    progress($"{removed.Service.Name}: removed from the config; draining");
                    await removed.StopAsync("removed from the config");
                    _pools = _pools.Where(p => p != removed).ToArray();
                }
            }
            _config = next with { Listen = _config.Listen, Services = _pools.Select(p => p.Service).ToList() };
            RebuildRoutes();
            return null;
        });

    /// <summary>`pier restart web.2` replaces one worker; `pier restart web` every worker of the service, rolling.</summary>
    public Task<bool> RestartAsync(string target, Action<string> progress, CancellationToken cancellation) =>
        DeployAsync("deploy", $"restart of {target}", progress, cancellation, async () =>
        {
            var dot = target.LastIndexOf('.');
            var serviceName = dot > 0 && int.TryParse(target[(dot + 1)..], out _) ? target[..dot] : target;
            var pool = _pools.FirstOrDefault(p => p.Service.Name == serviceName);
            if (pool is null)
                return $"there is no service '{serviceName}'; services: {string.Join(", ", _pools.Select(p => p.Service.Name))}";
            if (serviceName == target)
                return await pool.ReplaceAsync(pool.Service, progress, cancellation);
            var number = int.Parse(target[(dot + 1)..]);
            if (pool.Workers.All(w => w.Number != number))
                return $"there is no worker {target}; {serviceName} has {string.Join(", ", pool.Workers.Select(w => w.Id))}";
            return await pool.RestartAsync(number, progress, cancellation, "restarted by the operator");
        });

    /// <summary>`pier scale web=6`: adds workers (ready before it returns) or drains the surplus.</summary>
    public Task<bool> ScaleAsync(string service, int workers, Action<string> progress, CancellationToken cancellation) =>
        DeployAsync("scale", $"scale {service}={workers}", progress, cancellation, async () =>
        {
            var pool = _pools.FirstOrDefault(p => p.Service.Name == service);
            if (pool is null)
                return $"there is no service '{service}'; services: {string.Join(", ", _pools.Select(p => p.Service.Name))}";
            var problem = await pool.ScaleAsync(workers, progress, cancellation);
            _config = _config with { Services = _pools.Select(p => p.Service).ToList() };
            return problem;
        });

    /// <summary>Runs one deploy at a time; the operation returns null on success or why it failed.</summary>
    private async Task<bool> DeployAsync(string kind, string description, Action<string> progress, CancellationToken cancellation, Func<Task<string?>> operation)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _stopping.Token);
        if (!_deploying.Wait(0))
        {
            progress("waiting for the deploy in progress to finish");
            await _deploying.WaitAsync(linked.Token);
        }
        var clock = Stopwatch.StartNew();
        if (kind == "deploy")
            _systemd?.Reloading();
        try
        {
            var problem = await operation();
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
            if (kind == "deploy" && _systemd is { IsEnabled: true })
                _systemd.Ready(string.Join(", ", Status().Services.Select(s => $"{s.Name} {s.Ready}/{s.Desired}")));
        }
    }

    private ServicePool NewPool(ServiceConfig service) => new(service, _context!, OnWorkerChanged, () => _sampler.Latest);

    private void OnWorkerChanged(Worker worker)
    {
        RebuildRoutes();
        RecordEvent(worker);
        ReportToSystemd();
    }

    /// <summary>Turns worker state changes into the event history: starts, readiness, exits (with memory at death), failures, stops.</summary>
    private void RecordEvent(Worker worker)
    {
        var now = worker.Status;
        WorkerStatus? before;
        lock (_lastSeen)
        {
            _lastSeen.TryGetValue(worker, out before);
            _lastSeen.AddOrUpdate(worker, now);
        }
        if (_events is null || (before?.State == now.State && before.Pid == now.Pid))
            return;
        var (kind, message) = now.State switch
        {
            WorkerState.Starting when now.Pid != before?.Pid => ("start", $"{now.Id} started (pid {now.Pid}, generation {now.Generation})"),
            WorkerState.Ready when before?.State != WorkerState.Ready => ("ready", $"{now.Id} ready on {now.Endpoint} (pid {now.Pid})"),
            WorkerState.Backoff when before?.State != WorkerState.Backoff =>
                (now.LastExit?.StartsWith("OOM-killed", StringComparison.Ordinal) == true ? "oom" : "exit", $"{now.Id} exited: {now.LastExit}{Died(before)}{Said(now)}"),
            WorkerState.Failed => ("failed", $"{now.Id} failed: {now.LastExit}{Said(now)}"),
            WorkerState.Stopped => ("stop", $"{now.Id} stopped: {now.LastExit}"),
            _ => (null, null),
        };
        if (kind is not null)
            _events.Record(kind, now.Service, now.Id, message!);
    }

    private string Died(WorkerStatus? before) =>
        before?.Pid is { } pid && _sampler.Latest.Workers.TryGetValue(pid, out var use) ? $"; memory at the end: {ByteSize.Format(use.MemoryBytes)}" : "";

    private static string Said(WorkerStatus status) => status.LastStderr.Count > 0 ? $"; last stderr: {status.LastStderr[^1]}" : "";

    /// <summary>A listener that could not bind: what, why, and what to do, without a stack trace.</summary>
    private Task CannotListenAsync(string where, string key, IOException e) =>
        Console.Error.WriteLineAsync($"pier: cannot listen {where}: {e.Message.TrimEnd('.')}. " +
            $"Free the port (`ss -ltnp` shows who holds it) or change `{key}` in {_config.FilePath}");

    /// <summary>Null when the default port is taken (Pier runs without /metrics); a configured one that is taken throws.</summary>
    private async Task<AdminServer?> StartAdminAsync(AdminConfig config, ControlApi api, AdminToken token, Action<string> say)
    {
        var admin = new AdminServer(config, _metrics, api, token);
        try
        {
            await admin.StartAsync(_stopping.Token);
            say($"admin on http://{config.Address}:{config.Port}/ (metrics at /metrics, API at /api/v1/)");
            return admin;
        }
        catch (IOException e)
        {
            await admin.DisposeAsync();
            if (config.Explicit)
                throw;
            say($"admin listener {config.Address}:{config.Port} is not available ({e.Message}); /metrics is off. Set `admin: {{ listen: ADDRESS:PORT }}` to choose another");
            return null;
        }
    }

    /// <summary>
    /// Every second until Pier stops: sample CPU and memory, feed the metrics, recycle workers that
    /// stay above their memory limit, and give back Pier's own spare memory once things are quiet.
    /// </summary>
    private async Task SampleUntilStoppedAsync(Action<string> say)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var workers = _pools.SelectMany(p => p.Workers).ToList();
                var usage = _sampler.Sample(workers.Select(w => w.Status.Pid).OfType<int>().ToList());
                _metrics.Update(usage, workers.Select(w => w.Status));
                var due = _memoryWatch.Observe(workers
                    .Where(w => w.Status is { State: WorkerState.Ready or WorkerState.Running, Pid: not null })
                    .Select(w => (w.Status.Pid!.Value, usage.Workers.TryGetValue(w.Status.Pid!.Value, out var u) ? u.MemoryBytes : 0, w.Service.Memory?.Limit)));
                foreach (var pid in due)
                {
                    if (workers.FirstOrDefault(w => w.Status.Pid == pid) is { } worker)
                        _ = RecycleAsync(worker, usage.Workers[pid].MemoryBytes, say);
                }
                Autoscale(usage, say);
                if (_heapTrim.Tick(GC.GetTotalAllocatedBytes(), _metrics.RequestsAnswered))
                    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Feeds each autoscaled service's CPU per worker to the autoscaler and applies what it decides.</summary>
    private void Autoscale(UsageSnapshot usage, Action<string> say)
    {
        foreach (var pool in _pools.Where(p => p.Service.Autoscale is not null))
        {
            var up = pool.Workers.Select(w => w.Status).Where(s => s is { State: WorkerState.Ready or WorkerState.Running, Pid: not null }).ToList();
            if (up.Count == 0)
                continue;
            var cpu = up.Average(s => usage.Workers.TryGetValue(s.Pid!.Value, out var u) ? u.CpuPercent : 0) / 100;
            var band = pool.Service.Autoscale!;
            var wanted = _autoscaler.Observe(pool.Service.Name, band, pool.Desired, cpu, usage.At);
            if (wanted != pool.Desired)
                _ = ScaleForCpuAsync(pool, wanted, $"cpu {cpu * 100:0}% of a core per worker, band {band.CpuLow * 100:0}%..{band.CpuHigh * 100:0}%", say);
        }
    }

    private async Task ScaleForCpuAsync(ServicePool pool, int wanted, string why, Action<string> say)
    {
        // A deploy in progress decides the workers itself; the autoscaler asks again after it.
        if (!_deploying.Wait(0))
            return;
        try
        {
            var message = $"autoscale {pool.Service.Name}: {pool.Desired} → {wanted} workers ({why})";
            say(message);
            _events?.Record("scale", pool.Service.Name, null, message);
            if (await pool.ScaleAsync(wanted, say, _stopping.Token) is { } problem)
                say($"autoscale {pool.Service.Name}: {problem}");
            _config = _config with { Services = _pools.Select(p => p.Service).ToList() };
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _deploying.Release();
        }
    }

    /// <summary>Replaces a worker over its memory limit, gracefully: the successor is ready before the old one drains.</summary>
    private async Task RecycleAsync(Worker worker, long memory, Action<string> say)
    {
        var pool = _pools.FirstOrDefault(p => p.Workers.Contains(worker));
        // A deploy in progress replaces the worker anyway; the watch fires again if it is still needed.
        if (pool is null || !_deploying.Wait(0))
            return;
        try
        {
            var message = $"recycled {worker.Id}: {ByteSize.Format(memory)} > {ByteSize.Format(worker.Service.Memory!.Limit!.Value)}";
            say(message);
            _events?.Record("recycle", worker.Service.Name, worker.Id, message);
            if (await pool.RestartAsync(worker.Number, say, _stopping.Token, "recycled: over its memory limit") is { } problem)
                say($"recycling {worker.Id} failed: {problem}; it keeps running");
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _deploying.Release();
        }
    }

    /// <summary>Waits until a worker just taken out of rotation has no request in flight (or the timeout passes).</summary>
    private async Task DrainAsync(WorkerStatus status, TimeSpan timeout)
    {
        Destination? destination;
        lock (_routesLock)
            _destinations.TryGetValue($"{status.Id}:{status.Endpoint}", out destination);
        var clock = Stopwatch.StartNew();
        while (destination is { InFlight: > 0 } && clock.Elapsed < timeout)
            await Task.Delay(20);
    }

    private void RebuildRoutes()
    {
        lock (_routesLock)
        {
            var routes = new List<ServiceRoute>();
            var live = new HashSet<string>();
            foreach (var pool in _pools.Where(p => p.Service.Http is not null))
            {
                var destinations = new List<Destination>();
                if (pool.Service.Upstream is { } url)
                {
                    var upstreamKey = $"{pool.Service.Name}@{url}";
                    live.Add(upstreamKey);
                    if (!_destinations.TryGetValue(upstreamKey, out var upstream))
                        _destinations[upstreamKey] = upstream = Destination.ForUpstream(pool.Service.Name, url);
                    destinations.Add(upstream);
                }
                foreach (var status in pool.Workers.Select(w => w.Status))
                {
                    if (status is not { State: WorkerState.Ready or WorkerState.Stopping, Endpoint: { } endpoint, Pid: { } pid })
                        continue;
                    // A stopping worker is out of rotation but kept here until it drained.
                    var key = $"{status.Id}:{endpoint}";
                    live.Add(key);
                    if (!_destinations.TryGetValue(key, out var destination))
                        _destinations[key] = destination = Destination.ForWorker(status.Id, endpoint, pid);
                    if (status.State == WorkerState.Ready)
                        destinations.Add(destination);
                    else
                        destination.Retire();
                }
                var hosts = pool.Service.Http!.Hosts.Select(h => h.ToLowerInvariant()).ToList();
                routes.Add(new ServiceRoute(pool.Service.Name, hosts, destinations.ToArray()));
            }
            foreach (var stale in _destinations.Keys.Where(k => !live.Contains(k)).ToList())
                _destinations.Remove(stale);
            foreach (var route in routes)
                _routes.Publish(route);
        }
    }

    public string StateDirectory => _config.StateDirectory;

    /// <summary>`pier stop`: the same graceful stop as SIGTERM.</summary>
    public void RequestStop() => _stopping.Cancel();

    /// <summary>What `pier certs` shows; empty without HTTPS.</summary>
    public IReadOnlyList<CertificateReport> Certificates() => _certificates?.Report() ?? [];

    /// <summary>READY=1 once every service has a worker up, then a STATUS= line such as "web 4/4 ready".</summary>
    private void ReportToSystemd()
    {
        if (_systemd is not { IsEnabled: true })
            return;
        var services = Status().Services;
        var line = string.Join(", ", services.Select(s => $"{s.Name} {s.Ready}/{s.Desired} {(s.Kind == "http" ? "ready" : "running")}"));
        _systemd!.Progress(line, services.All(s => s.Ready > 0 || s.Desired == 0));
    }

    public StatusReport Status()
    {
        var now = DateTimeOffset.UtcNow;
        var config = _config;
        var pools = _pools;
        var usage = _sampler.Latest;
        var services = config.Services.Select(service =>
        {
            var pool = pools.FirstOrDefault(p => p.Service.Name == service.Name);
            var workers = (pool?.Workers ?? []).Select(w => w.Status).OrderBy(s => s.Id, StringComparer.Ordinal).ThenBy(s => s.Generation)
                .Select(s => new WorkerReport(
                    s.Id, s.Pid, s.State.ToString().ToLowerInvariant(), s.Endpoint?.Port, s.Endpoint?.SocketPath, s.Restarts,
                    s.StartedAt is { } started ? Math.Round((now - started).TotalSeconds, 1) : null,
                    s.LastExit, s.LastStderr, s.Generation,
                    s.Pid is { } pid && usage.Workers.TryGetValue(pid, out var use) ? use.CpuPercent : null,
                    s.Pid is { } p && usage.Workers.TryGetValue(p, out var used) ? used.MemoryBytes : null)).ToList();
            var ready = workers.Count(w => w.State is "ready" or "running");
            var kind = service.Upstream is not null ? "upstream" : service.Http is null ? "background" : "http";
            var note = service.Upstream is { } url ? $"forwards to {url}" : pool?.Note;
            var (requests, serverErrors) = _metrics.Answered(service.Name);
            return new ServiceReport(service.Name, kind, pool?.Desired ?? service.Workers, ready, workers,
                Math.Round(workers.Sum(w => w.CpuPercent ?? 0), 1), workers.Sum(w => w.MemoryBytes ?? 0), note, requests, serverErrors);
        }).ToList();
        var host = usage.Host;
        var budget = $"{MemoryBudget.Fraction * 100:0}% of {ByteSize.Format(host.MemoryTotalBytes)}; {ByteSize.Format(host.MemoryAvailableBytes)} available, " +
            $"workers use {ByteSize.Format(services.Sum(s => s.MemoryBytes))}";
        return new StatusReport(config.Name, Environment.ProcessId, _startedAt, config.FilePath, config.StateDirectory,
            Describe(config.Listen), services, new HostReport(host.CpuPercent, host.Cores, host.MemoryTotalBytes, host.MemoryAvailableBytes, budget));
    }

    private static string Describe(ServiceChange change) =>
        change == ServiceChange.Scale ? "only the worker count changed" : "replacing every worker, rolling";

    private static string Describe(ListenConfig listen) =>
        listen.HttpAddress is null ? $":{listen.HttpPort}"
        : listen.HttpAddress.Contains(':') ? $"[{listen.HttpAddress}]:{listen.HttpPort}" : $"{listen.HttpAddress}:{listen.HttpPort}";
}
