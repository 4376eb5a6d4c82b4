using System.Runtime.InteropServices;
using Pier.Certificates;
using Pier.Configuration;
using Pier.Control;
using Pier.Replication;
using Pier.Resources;
using Pier.Routing;
using Pier.Supervision;

namespace Pier.Hosting;

/// <summary>
/// `pier up`: wires the parts together and orders start and shutdown. Data flows one way: config →
/// deployer (pools of supervised workers) → routes → front door. Shutdown runs the other way: the front
/// door drains first, while the workers still serve, then the workers stop.
/// </summary>
internal sealed class PierHost(PierConfig config, string? stateOverride, TextWriter console, bool color)
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Runs until SIGTERM, SIGINT or `pier stop`; returns the process exit code.</summary>
    public async Task<int> RunAsync()
    {
        var state = config.StateDirectory;
        Directory.CreateDirectory(state);
        File.SetUnixFileMode(state, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // First: OpenSSL takes its settings at its first use. Only the HTTPS listener needs them, and
        // https changes only with a restart.
        var openSsl = config.Https is null ? null : OpenSslDefaults.Apply(state);

        using var instance = InstanceLock.TryAcquire(state, out var holder);
        if (instance is null)
        {
            await Console.Error.WriteLineAsync(
                $"pier: another Pier (PID {holder ?? "unknown"}) is already running with state directory {state}; " +
                "see it with `pier status`, or stop it first");
            return 1;
        }

        foreach (var user in config.Services.Select(s => s.User).OfType<string>().Distinct())
        {
            try
            {
                WorkerUser.Resolve(user);
            }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync($"pier: {e.Message} ({config.FilePath})");
                return 2;
            }
        }
        using var systemd = new SystemdNotifier();

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            _stopping.Cancel();
        }

        await using var output = new OutputSink(Path.Combine(state, "logs"), console, color, config.Logs);
        void Say(string message) => output.Write("pier", message);
        if (openSsl is not null)
            Say($"TLS: {openSsl}");
        Deployer? deployer = null;
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Say("SIGHUP: reloading the config");
            _ = deployer?.ReloadAsync(null, Say, _stopping.Token);
        });

        var ended = await OrphanGuard.EndLeftoversAsync(state);
        if (ended.Count > 0)
            Say($"ended {ended.Count} process(es) left running by a previous Pier that was killed: PID {string.Join(", ", ended)}");
        using var guard = new OrphanGuard(state);
        using var sockets = new WorkerSockets(config.Name, state);
        using var probe = new HealthProbe(sockets);
        MemoryCgroups? cgroups = null;
        if (config.Services.Any(s => s.Memory?.Hard is not null))
        {
            cgroups = MemoryCgroups.Detect(config.Name, out var unavailable);
            if (unavailable is not null)
                Say($"memory.hard is not enforced: {unavailable}; memory.limit (graceful recycling) still applies");
        }
        var supervision = new SupervisionContext(output, guard, probe, state, TimeProvider.System, sockets, cgroups);

        await using var events = new EventHistory(state);
        await using var certificates = config.Https is null ? null
            : new CertificateManager(config.Https, state, (line, isError) => output.Write("certs", line, isError), TimeProvider.System);

        var routes = new LiveRoutes();
        var metrics = new PierMetrics();
        var sampler = new ResourceSampler();
        deployer = new Deployer(config, stateOverride, supervision, routes, () => sampler.Latest, events, _stopping.Token);
        var status = new StatusSource(deployer, () => sampler.Latest, metrics, TimeProvider.System);
        var workerEvents = new WorkerEvents(events, () => sampler.Latest);
        deployer.WorkerChanged += transition =>
        {
            workerEvents.Record(transition);
            systemd.Report(status.Status);
        };
        deployer.Deploying += systemd.Reloading;
        deployer.Deployed += () => systemd.Reloaded(status.Status);

        var api = new ControlApi(deployer, status, () => certificates?.Report() ?? [], _stopping.Cancel);
        await using var control = new ControlServer(state, api);
        await control.StartAsync(_stopping.Token);
        var adminConfig = config.Admin ?? AdminConfig.Default;
        AdminServer? admin;
        try
        {
            admin = await AdminServer.StartOrSkipAsync(adminConfig, metrics, api, AdminToken.LoadOrCreate(state), Say, _stopping.Token);
        }
        catch (IOException e)
        {
            await CannotListenAsync($"for admin on {adminConfig.Address}:{adminConfig.Port}", "admin.listen", e);
            return 1;
        }
        await using var adminServer = admin;

        var listen = config.Listen;
        await using var frontDoor = new FrontDoor(listen, routes, metrics, sockets, line => output.Write("proxy", line, isError: true), certificates,
            Path.Combine(state, "front-door.sock"));
        try
        {
            await frontDoor.StartAsync(_stopping.Token);
        }
        catch (IOException e)
        {
            await CannotListenAsync($"on {listen.Http}" + (listen.HttpsPort is { } port ? $" and {port}" : ""), "listen", e);
            return 1;
        }
        Say($"{config.Name}: listening on http {listen.Http}" + (listen.Https is { } https ? $" and https {https}" : "") +
            $" (pid {Environment.ProcessId})");
        // Once the listeners are up, so that ACME can validate through them.
        certificates?.Start();

        if (await deployer.StartAsync(Say) is { } failure)
        {
            await frontDoor.StopAsync(deployer.LongestStopTimeout);
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
        systemd.Report(status.Status);
        using var reaper = ZombieReaper.StartIfInit(() => deployer.Pools.SelectMany(p => p.Workers).Select(w => w.Status.Pid ?? 0));

        var sampling = new UsageSampling(sampler, metrics, deployer.Sampled,
        [
            new MemoryPressure((worker, memory) => _ = deployer.RecycleAsync(worker, memory)),
            new CpuBand((service, workers, why) => _ = deployer.AutoscaleAsync(service, workers, why)),
            new HeapTrimming(metrics),
        ], TimeProvider.System);
        await sampling.RunAsync(_stopping.Token);

        // The stop timeout of the services that run now: a reload may have changed it since the start.
        var drain = deployer.LongestStopTimeout;
        systemd.Stopping("stopping: draining requests in flight, then stopping workers");
        Say($"stopping: draining requests in flight (up to {Worker.Format(drain)}), then stopping workers");
        await frontDoor.StopAsync(drain);
        await deployer.StopAsync("Pier is stopping");
        cgroups?.Dispose();
        Say("stopped");
        return 0;
    }

    /// <summary>A listener that could not bind: what, why, and what to do, without a stack trace.</summary>
    private Task CannotListenAsync(string where, string key, IOException e) =>
        Console.Error.WriteLineAsync($"pier: cannot listen {where}: {e.Message.TrimEnd('.')}. " +
            $"Free the port (`ss -ltnp` shows who holds it) or change `{key}` in {config.FilePath}");
}
