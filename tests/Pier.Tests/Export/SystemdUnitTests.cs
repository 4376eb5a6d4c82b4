using System.Diagnostics;
using Pier.Configuration;
using Pier.Export;

namespace Pier.Tests.Export;

public sealed class SystemdUnitTests : IDisposable
{
    private static readonly SystemdUnitOptions Options = new(["/usr/local/bin/pier"], "shop", UserUnit: false);

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("fastapi")]
    [InlineData("hello-aspnet")]
    public async Task Render_BundledExample_MatchesGoldenAndPassesSystemdAnalyzeVerify(string example)
    {
        var config = Golden.Example(example);
        var unit = SystemdUnit.Render(config, Options);

        Golden.AssertMatches($"{example}.service", unit);
        await AssertVerifiesAsync(SystemdUnit.Name(config), unit);
    }

    [Fact]
    public async Task Render_FieldsFollowTheConfig()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "app"));
        var path = _dir.Write("pier.yaml", """
            name: shop
            services:
              web:
                run: ./serve
                dir: ./app
                http: { health: /healthz }
                stop: { timeout: 45s }
              queue:
                run: ./work
                stop: { timeout: 5s }
            state: /var/lib/pier-shop
            listen: { http: 80 }
            """);
        var config = ConfigLoader.Load(path);

        var unit = Parse(SystemdUnit.Render(config, Options));

        Assert.Equal("notify", unit["Type"]);
        Assert.Equal($"/usr/local/bin/pier up -c {path}", unit["ExecStart"]);
        Assert.Equal("/bin/kill -HUP $MAINPID", unit["ExecReload"]);
        Assert.Equal("always", unit["Restart"]);
        Assert.Equal("mixed", unit["KillMode"]);
        Assert.Equal("30s", unit["WatchdogSec"]);
        Assert.True(int.Parse(unit["TimeoutStopSec"].TrimEnd('s')) > 45);
        Assert.Equal("65536", unit["LimitNOFILE"]);
        Assert.Equal("shop", unit["User"]);
        Assert.Equal("CAP_NET_BIND_SERVICE", unit["AmbientCapabilities"]);
        Assert.Equal("yes", unit["NoNewPrivileges"]);
        Assert.Equal("strict", unit["ProtectSystem"]);
        Assert.Equal("yes", unit["PrivateTmp"]);
        // The app directory is inside the config's directory, so one entry covers both.
        Assert.Equal(new[] { "/var/lib/pier-shop", _dir.Path }.Order(StringComparer.Ordinal), unit["ReadWritePaths"].Split(' '));
    }

    [Fact]
    public void Render_HighPortOrRoot_GrantsNoCapability_AndAWorkerUserMakesPierRoot()
    {
        var path = _dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    run: ./serve\n    user: nobody\nlisten: { http: 8080 }\n");
        var config = ConfigLoader.Load(path);

        Assert.True(SystemdUnit.NeedsRoot(config));
        Assert.DoesNotContain("AmbientCapabilities", SystemdUnit.Render(config, Options));
        var asRoot = Parse(SystemdUnit.Render(config with { Listen = new ListenConfig(null, 443) }, Options with { RunAs = "root" }));
        Assert.Equal("root", asRoot["User"]);
        Assert.False(asRoot.ContainsKey("AmbientCapabilities"));
    }

    [Fact]
    public async Task Render_SocketWorkersUnderRoot_GetAWritableRuntimeDirectory_AndPassesVerify()
    {
        var path = _dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    run: uvicorn main:app --uds $SOCKET\n    http: {}\nlisten: { http: 8080 }\n");
        var config = ConfigLoader.Load(path);

        var unit = SystemdUnit.Render(config, Options with { RunAs = "root" });

        // ProtectSystem=strict makes /run read-only; RuntimeDirectory= is the way to a writable folder there.
        var folder = Parse(unit)["RuntimeDirectory"];
        Assert.Equal(Pier.Supervision.WorkerSockets.RuntimeFolder("shop", config.StateDirectory), folder);
        Assert.Matches("^pier/shop-[0-9a-f]{8}$", folder);
        Assert.DoesNotContain("RuntimeDirectory", SystemdUnit.Render(config, Options));
        await AssertVerifiesAsync(SystemdUnit.Name(config), unit);
    }

    [Fact]
    public async Task Render_UserUnit_HasNoUserLine_AndPassesVerify()
    {
        var config = Golden.Example("fastapi");
        var unit = SystemdUnit.Render(config, Options with { UserUnit = true });

        Assert.DoesNotContain("User=", unit);
        Assert.Contains("WantedBy=default.target", unit);
        await AssertVerifiesAsync(SystemdUnit.Name(config), unit);
    }

    private static Dictionary<string, string> Parse(string unit) =>
        unit.Split('\n').Where(l => l.Contains('=') && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    /// <summary>systemd-analyze verify checks a unit file without a running systemd; the executable it names must exist.</summary>
    private async Task AssertVerifiesAsync(string name, string unit)
    {
        var pier = _dir.Write("pier", "#!/bin/sh\n");
        File.SetUnixFileMode(pier, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = _dir.Write(name, unit.Replace("/usr/local/bin/pier", pier));
        var info = new ProcessStartInfo("systemd-analyze", ["verify", file]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        var said = (await stdout + await stderr).Trim();
        Assert.True(process.ExitCode == 0 && said.Length == 0, $"systemd-analyze verify: exit {process.ExitCode}\n{said}\n{unit}");
    }
}
