using System.Text.Json;
using Pier.Os;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// Workers whose run line says <c>$SOCKET</c> listen on Unix sockets instead of loopback ports: real
/// uvicorn and Kestrel workers, reached through the front door, probed, replaced and cleaned up.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class UnixSocketTests
{
    [Fact]
    public async Task FastApiOnSockets_ServesThroughTheFrontDoor_AndAKilledWorkerGetsAFreshSocket()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", TestConfigs.FastApi("uds-fastapi", port, workers: 2, health: TestConfigs.QuickHealth,
            run: "/usr/bin/python3 -m uvicorn main:app --uds $SOCKET --no-access-log", web: "stop: { timeout: 5s }"));
        await using var pier = PierProcess.Start(dir);
        var status = await pier.WaitForReadyAsync("web", 2);
        var workers = status.Services[0].Workers;
        Assert.All(workers, w =>
        {
            Assert.Null(w.Port);
            Assert.NotNull(w.Socket);
            Assert.True(File.Exists(w.Socket), $"{w.Socket} should exist while its worker runs");
        });
        Assert.Equal(2, workers.Select(w => w.Socket).Distinct().Count());

        using var client = Loopback.Client(port);
        var seen = new Dictionary<int, string>();
        for (var i = 0; i < 40 && seen.Count < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            seen[body.GetProperty("pid").GetInt32()] = body.GetProperty("socket").GetString()!;
        }
        Assert.Equal(workers.ToDictionary(w => w.Pid!.Value, w => w.Socket!), seen);

        // The forwarded headers reach a socket worker as they reach a port worker.
        var headers = JsonDocument.Parse(await client.GetStringAsync("/headers")).RootElement;
        Assert.Equal("127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.Equal($"127.0.0.1:{port}", headers.GetProperty("host").GetString());

        var victim = workers[0];
        Assert.True(Signals.Send(victim.Pid!.Value, Signals.SIGKILL));
        var after = await pier.WaitForAsync(s => s.Services[0].Workers.Count(w => w.State == "ready" && w.Pid != victim.Pid) == 2,
            TimeSpan.FromSeconds(30), "the killed worker replaced");
        var replacement = after.Services[0].Workers.Single(w => w.Id == victim.Id);
        Assert.NotEqual(victim.Socket, replacement.Socket);
        Assert.False(File.Exists(victim.Socket), "the killed worker's socket should be removed");
        for (var i = 0; i < 10; i++)
            (await client.GetAsync("/")).EnsureSuccessStatusCode();

        var sockets = after.Services[0].Workers.Select(w => w.Socket!).ToList();
        pier.Signal(Signals.SIGTERM);
        Assert.Equal(0, await pier.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.All(sockets, socket => Assert.False(File.Exists(socket), $"{socket} should be removed when Pier stops"));
        var root = Path.GetDirectoryName(Path.GetDirectoryName(sockets[0]))!;
        Assert.False(Directory.Exists(root), $"{root} should be removed when Pier stops");
    }

    [Fact]
    public async Task AspNetOnSockets_ServesThroughTheFrontDoor_WithAConnectOnlyProbe()
    {
        var dll = await Examples.AspNetDllAsync();
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", $$"""
            name: uds-aspnet
            services:
              web:
                run: dotnet {{dll}} --urls http://unix:${SOCKET}
                workers: 2
                http: {}
            listen: { http: "127.0.0.1:{{port}}" }
            """);
        await using var pier = PierProcess.Start(dir);
        var status = await pier.WaitForReadyAsync("web", 2);
        Assert.All(status.Services[0].Workers, w => Assert.EndsWith(".sock", w.Socket));

        using var client = Loopback.Client(port);
        var pids = new HashSet<int>();
        for (var i = 0; i < 40 && pids.Count < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(JsonValueKind.Null, body.GetProperty("port").ValueKind);
            pids.Add(body.GetProperty("pid").GetInt32());
        }
        Assert.Equal(2, pids.Count);

        var table = await PierCli.RunAsync(dir.Path, "status");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("unix:" + status.Services[0].Workers[0].Socket, table.Stdout);
    }

    [Theory]
    [InlineData("compose")]
    [InlineData("kubernetes")]
    public async Task ExportOfASocketService_IsRefusedWithWhatToWriteInstead(string engine)
    {
        using var dir = new TestDirectory();
        var config = dir.Write("pier.yaml", """
            name: uds-export
            services:
              web:
                run: uvicorn main:app --uds $SOCKET
                http: {}
            """);

        var (exitCode, stdout, stderr) = await PierCli.RunAsync(dir.Path, "export", engine);

        Assert.Equal(2, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains(config, stderr);
        Assert.Contains("services.web.run uses $SOCKET", stderr);
        Assert.Contains("$PORT", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
