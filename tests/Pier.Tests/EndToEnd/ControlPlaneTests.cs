using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pier.Control;

namespace Pier.Tests.EndToEnd;

/// <summary>Who may control a running Pier: the control socket's owner, and the admin API's token holders.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ControlPlaneTests
{
    private static string Config(int port, int adminPort) => TestConfigs.FastApi("control", port, workers: 1, adminPort: adminPort);

    [Fact]
    public async Task AdminApi_RefusesAMissingOrWrongToken_AndAnswersTheRightOne()
    {
        using var dir = new TestDirectory();
        var adminPort = Loopback.FreePort();
        dir.Write("pier.yaml", Config(Loopback.FreePort(), adminPort));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 1);
        var tokenFile = Path.Combine(pier.StateDirectory, AdminToken.FileName);
        var token = File.ReadAllText(tokenFile).Trim();
        using var client = Loopback.Client(adminPort);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/status")).StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token[..^1] + (token[^1] == 'a' ? 'b' : 'a'));
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);
        }
        using (var reload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reload"))
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(reload)).StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var status = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status")).RootElement;
        Assert.Equal("control", status.GetProperty("name").GetString());
        var events = JsonDocument.Parse(await client.GetStringAsync("/api/v1/events?since=1h")).RootElement;
        Assert.Contains(events.EnumerateArray(), e => e.GetProperty("kind").GetString() == "ready");
        // Scrapers carry no token: /metrics stays open unless the config says `metrics: token`.
        client.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task ControlSocket_RefusesAnotherUser()
    {
        Assert.True(Environment.UserName == "root", "the test switches to nobody, which takes root (CI runs as root)");
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", Config(Loopback.FreePort(), Loopback.FreePort()));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 1);

        // As it is: the state directory (0700) and the socket (0600) keep nobody out.
        var (code, _, stderr) = await AsNobodyAsync(dir.Path, "status", "--state", pier.StateDirectory);
        Assert.Equal(1, code);
        Assert.Contains("permission denied", stderr);

        // Loosened by hand: the peer-credential check still refuses.
        File.SetUnixFileMode(pier.StateDirectory, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.Combine(pier.StateDirectory, ControlServer.SocketName), (UnixFileMode)0b110_110_110);
        (code, _, stderr) = await AsNobodyAsync(dir.Path, "status", "--state", pier.StateDirectory);
        Assert.Equal(1, code);
        Assert.Contains("permission denied", stderr);

        // The owner still gets in.
        Assert.Equal(0, (await PierCli.RunAsync(dir.Path, "status", "--json")).ExitCode);
    }

    [Fact]
    public async Task Stop_DrainsAndStopsTheInstance()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", Config(Loopback.FreePort(), Loopback.FreePort()));
        await using var pier = PierProcess.Start(dir);
        var worker = (await pier.WaitForReadyAsync("web", 1)).Services[0].Workers[0].Pid!.Value;

        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "stop");

        Assert.Equal(0, code);
        Assert.Contains("stopping", stdout);
        Assert.Equal(0, await pier.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Null(Pier.Os.ProcessTable.TryRead(worker));
        Assert.Equal(1, (await PierCli.RunAsync(dir.Path, "stop")).ExitCode);
    }

    /// <summary>
    /// Runs `pier` as nobody. The build output may sit where nobody cannot read (a checkout under
    /// /root), so pier's own files are copied to a directory everyone can read first.
    /// </summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> AsNobodyAsync(string directory, params string[] args)
    {
        using var copy = new TestDirectory();
        File.SetUnixFileMode(copy.Path, (UnixFileMode)0b111_101_101);
        var output = Path.GetDirectoryName(PierCli.Dll)!;
        foreach (var file in Directory.EnumerateFiles(output, "*.dll").Concat(Directory.EnumerateFiles(output, "pier.*")).Distinct())
            File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));
        var info = new ProcessStartInfo("runuser", ["-u", "nobody", "--", "dotnet", Path.Combine(copy.Path, "pier.dll"), .. args])
        {
            WorkingDirectory = "/tmp",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["HOME"] = "/tmp";
        info.Environment["DOTNET_CLI_HOME"] = "/tmp";
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
