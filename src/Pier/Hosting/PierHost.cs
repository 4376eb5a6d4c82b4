using System.Runtime.InteropServices;
using Pier.Configuration;
using Pier.Control;
using Pier.PreStart;
using Pier.Replication;
using Pier.Routing;
using Pier.Supervision;

namespace Pier.Hosting;

/// <summary>
/// `pier up`: runs one configuration in the foreground. Data flows one way: config → pools of
/// supervised workers → routing snapshots → front door. Shutdown runs the other way: the front door
/// drains first, while the workers still serve, then the workers stop.
/// </summary>
internal sealed class PierHost
{
    private readonly PierConfig _config;
    private readonly TextWriter _console;
    private readonly bool _color;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly Dictionary<string, Destination> _destinations = new();
    private readonly object _routesLock = new();
    private readonly List<ServicePool> _pools = new();
    private FrontDoor? _frontDoor;
    private SystemdNotifier? _systemd;

    public PierHost(PierConfig config, TextWriter console, bool color)
    {
        _config = config;
        _console = console;
        _color = color;
    }

    /// <summary>Runs until SIGTERM or SIGINT; returns the process exit code.</summary>
    public async Task<int> RunAsync()
    {
        var state = _config.StateDirectory;
        Directory.CreateDirectory(state);
        File.SetUnixFileMode(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

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

        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }

        await using var output = new OutputSink(Path.Combine(state, "logs"), _console, _color);
        var ended = await OrphanGuard.EndLeftoversAsync(state);
        if (ended.Count > 0)
            output.Write("pier", $"ended {ended.Count} process(es) left running by a previous Pier that was killed: PID {string.Join(", ", ended)}");
        using var guard = new OrphanGuard(state);
        using var probe = new HealthProbe();
        var context = new SupervisionContext(output, guard, probe, state, TimeProvider.System);

        await using var control = new ControlServer(state, Status);
        await control.StartAsync(stopping.Token);

        _frontDoor = new FrontDoor(_config.Listen, _config.LongestStopTimeout);
        await using var frontDoor = _frontDoor;
        try
        {
            await frontDoor.StartAsync(stopping.Token);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"pier: cannot listen on {Describe(_config.Listen)}: {e.Message}. " +
                "Free the port (`ss -ltnp` shows who holds it) or change `listen.http` in " + _config.FilePath);
            return 1;
        }
        output.Write("pier", $"{_config.Name}: listening on http {Describe(_config.Listen)} (pid {Environment.ProcessId})");

        var failure = await new BeforeStepRunner(_config, output, guard).RunAsync(stopping.Token);
        if (failure is not null)
        {
            await frontDoor.StopAsync();
            await output.DisposeAsync();
            if (stopping.IsCancellationRequested)
                return 0;
            await Console.Error.WriteLineAsync(
                $"pier: before step {failure.Step.Number} (`{failure.Step.Run}`) failed with {failure.Reason.Describe()}; no worker was started.");
            if (failure.Tail.Count > 0)
                await Console.Error.WriteLineAsync("last output:\n  " + string.Join("\n  ", failure.Tail));
            await Console.Error.WriteLineAsync($"full output: {failure.LogFile}");
            return failure.Reason.ExitCode is > 0 and < 256 ? failure.Reason.ExitCode : 1;
        }

        foreach (var service in _config.Services)
            _pools.Add(new ServicePool(service, context, _ => { RebuildRoutes(); ReportToSystemd(); }));
        foreach (var pool in _pools)
            pool.Start();
        ReportToSystemd();
        using var reaper = ZombieReaper.StartIfInit(() => _pools.SelectMany(p => p.Workers).Select(w => w.Status.Pid ?? 0));

        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }

        systemd.Stopping("stopping: draining requests in flight, then stopping workers");
        output.Write("pier", $"stopping: draining requests in flight (up to {Worker.Format(_config.LongestStopTimeout)}), then stopping workers");
        await frontDoor.StopAsync();
        await Task.WhenAll(_pools.Select(p => p.StopAsync()));
        output.Write("pier", "stopped");
        return 0;
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
                foreach (var status in pool.Workers.Select(w => w.Status))
                {
                    if (status is not { State: WorkerState.Ready, Port: { } port })
                        continue;
                    var key = $"{status.Id}:{port}";
                    live.Add(key);
                    if (!_destinations.TryGetValue(key, out var destination))
                        _destinations[key] = destination = new Destination(status.Id, port);
                    destinations.Add(destination);
                }
                var hosts = pool.Service.Http!.Hosts.Select(h => h.ToLowerInvariant()).ToList();
                routes.Add(new ServiceRoute(pool.Service.Name, hosts, destinations.ToArray()));
            }
            foreach (var stale in _destinations.Keys.Where(k => !live.Contains(k)).ToList())
                _destinations.Remove(stale);
            _frontDoor?.Update(new RoutingTable(routes));
        }
    }

    /// <summary>READY=1 once every service has a worker up, then a STATUS= line such as "web 4/4 ready".</summary>
    private void ReportToSystemd()
    {
        if (_systemd is not { IsEnabled: true })
            return;
        var services = Status().Services;
        var line = string.Join(", ", services.Select(s => $"{s.Name} {s.Ready}/{s.Desired} {(s.Kind == "http" ? "ready" : "running")}"));
        if (!_systemd!.HasBeenReady && services.All(s => s.Ready > 0))
            _systemd.Ready(line);
        else
            _systemd.Status(line);
    }

    private StatusReport Status()
    {
        var now = DateTimeOffset.UtcNow;
        var services = _config.Services.Select(service =>
        {
            var pool = _pools.FirstOrDefault(p => p.Service.Name == service.Name);
            var workers = pool?.Workers.Select(w => w.Status).Select(s => new WorkerReport(
                s.Id, s.Pid, s.State.ToString().ToLowerInvariant(), s.Port, s.Restarts,
                s.StartedAt is { } started ? Math.Round((now - started).TotalSeconds, 1) : null,
                s.LastExit, s.LastStderr)).ToList() ?? [];
            var ready = workers.Count(w => w.State is "ready" or "running");
            return new ServiceReport(service.Name, service.Http is null ? "background" : "http", service.Workers, ready, workers);
        }).ToList();
        return new StatusReport(_config.Name, Environment.ProcessId, _startedAt, _config.FilePath, _config.StateDirectory,
            Describe(_config.Listen), services);
    }

    private static string Describe(ListenConfig listen) =>
        listen.HttpAddress is null ? $":{listen.HttpPort}"
        : listen.HttpAddress.Contains(':') ? $"[{listen.HttpAddress}]:{listen.HttpPort}" : $"{listen.HttpAddress}:{listen.HttpPort}";
}
