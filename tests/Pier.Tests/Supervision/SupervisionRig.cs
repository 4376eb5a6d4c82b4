using Microsoft.Extensions.Time.Testing;
using Pier.Configuration;
using Pier.Supervision;

namespace Pier.Tests.Supervision;

/// <summary>
/// What the state-machine tests of workers, pools and the deployer share: a config read from YAML, a
/// supervision context on a <see cref="FakeTimeProvider"/>, and a way to let time pass in steps until
/// something holds. The processes are real (short shell lines, python's http.server); the orphan guard
/// ends whatever a test leaves.
/// </summary>
internal sealed class SupervisionRig : IDisposable
{
    private readonly TestDirectory _directory = new();
    private readonly OrphanGuard _guard;
    private readonly WorkerSockets _sockets;
    private readonly HealthProbe _probe;
    private readonly OutputSink _output;
    private readonly StringWriter _console = new();
    private readonly int _port = EndToEnd.Loopback.FreePort();

    /// <param name="services">The `services:` section's entries, indented two spaces.</param>
    public SupervisionRig(string services)
    {
        Rewrite(services);
        Config = ConfigLoader.Load(Path.Combine(_directory.Path, "pier.yaml"));
        Directory.CreateDirectory(Config.StateDirectory);
        _guard = new OrphanGuard(Config.StateDirectory);
        _sockets = new WorkerSockets("rig", Config.StateDirectory);
        _probe = new HealthProbe(_sockets);
        _output = new OutputSink(Path.Combine(Config.StateDirectory, "logs"), TextWriter.Synchronized(_console), color: false, time: Time);
        Context = new SupervisionContext(_output, _guard, _probe, Config.StateDirectory, Time, _sockets);
    }

    /// <summary>Writes the config file anew with these services (a reload reads it).</summary>
    public void Rewrite(string services) =>
        _directory.Write("pier.yaml", $"name: rig\nservices:\n{services}\nlisten: {{ http: \"127.0.0.1:{_port}\" }}\n");

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-12-01T12:00:00Z"));

    public PierConfig Config { get; }

    public string ConfigPath => Config.FilePath;

    public SupervisionContext Context { get; }

    public ServiceConfig Service(string name = "web") => Config.Services.Single(s => s.Name == name);

    /// <summary>What Pier would have printed: the workers' output and Pier's own lines.</summary>
    public string Output
    {
        get
        {
            lock (_console)
                return _console.ToString();
        }
    }

    /// <summary>
    /// Advances the clock by <paramref name="step"/> at a time, letting the real processes and the
    /// continuations run in between, until <paramref name="condition"/> holds; fails after 20 s of real time.
    /// </summary>
    public async Task PassTimeUntilAsync(Func<bool> condition, TimeSpan step, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20))
                throw new Xunit.Sdk.XunitException($"{what} did not happen\n{Output}");
            Time.Advance(step);
            await Task.Delay(2);
        }
    }

    /// <summary>Lets real time pass without moving the clock, until the condition holds (a process exits, a port opens).</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20))
                throw new Xunit.Sdk.XunitException($"{what} did not happen\n{Output}");
            await Task.Delay(5);
        }
    }

    public void Dispose()
    {
        _probe.Dispose();
        _sockets.Dispose();
        _guard.Dispose();
        _output.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _directory.Dispose();
    }
}
