using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Pier.Tests.EndToEnd;

/// <summary>`pier doctor` against real listeners on loopback.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DoctorTests
{
    [Fact]
    public async Task Doctor_WhenTheListenPortIsHeld_FailsAndNamesTheHolder()
    {
        using var dir = new TestDirectory();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        dir.Write("pier.yaml", $"name: held\nservices:\n  web:\n    run: ./serve\n    http: {{}}\nlisten: {{ http: \"127.0.0.1:{port}\" }}\n");

        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "doctor");

        Assert.True(code == 1, stdout + stderr);
        Assert.Contains($"fail listen: port {port} is held by PID {Environment.ProcessId}", stdout);
        Assert.Contains("fix:", stdout);
    }

    [Fact]
    public async Task Doctor_OnAGoodConfig_ExitsZero_AndJsonListsEveryCheck()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", $"name: good\nservices:\n  web:\n    run: ./serve\n    memory: {{ expect: 1MiB }}\nlisten: {{ http: \"127.0.0.1:{Loopback.FreePort()}\" }}\n");

        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "doctor", "--json");

        Assert.True(code == 0, stdout + stderr);
        var checks = JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .ToDictionary(c => c.GetProperty("check").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("ok", checks["listen"]);
        Assert.Equal("ok", checks["memory"]);
        Assert.Equal("ok", checks["state"]);
        Assert.Equal("skip", checks["dns"]);
        Assert.Contains("clock", checks.Keys);
        Assert.Contains("open files", checks.Keys);
        Assert.Contains("cgroups", checks.Keys);
        Assert.DoesNotContain("fail", checks.Values);
    }

    [Fact]
    public async Task Doctor_WithAWorldWritableStateDirectory_Fails()
    {
        using var dir = new TestDirectory();
        var state = Directory.CreateDirectory(Path.Combine(dir.Path, ".pier")).FullName;
        File.SetUnixFileMode(state, (UnixFileMode)0b111_111_111);
        dir.Write("pier.yaml", $"name: open\nservices:\n  web:\n    run: ./serve\nlisten: {{ http: \"127.0.0.1:{Loopback.FreePort()}\" }}\n");

        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "doctor");

        Assert.Equal(1, code);
        Assert.Contains("world-writable", stdout);
        Assert.Contains("chmod 700", stdout);
    }

    [Fact]
    public async Task Doctor_WithABadConfig_ExitsTwo()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", "name: bad\n");

        var (code, _, stderr) = await PierCli.RunAsync(dir.Path, "doctor");

        Assert.Equal(2, code);
        Assert.Contains("services", stderr);
    }
}
