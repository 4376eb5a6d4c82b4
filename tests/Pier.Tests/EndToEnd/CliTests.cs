using System.Text.Json;

namespace Pier.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class CliTests
{
    [Fact]
    public async Task Help_ListsEveryCommandOnOneLine_AndEachCommandHasAnExample()
    {
        var (code, stdout, _) = await PierCli.RunAsync(Examples.Root, "--help");

        Assert.Equal(0, code);
        var commands = Pier.Cli.PierCommandLine.Create().Subcommands;
        foreach (var command in commands)
        {
            Assert.Contains($"  {command.Name} ", stdout);
            Assert.Contains("pier " + command.Name, command.Description);
        }
    }

    [Fact]
    public async Task Check_AcceptsTheBundledExamples()
    {
        foreach (var example in new[] { Examples.FastApi, Examples.AspNet })
        {
            var (code, stdout, stderr) = await PierCli.RunAsync(example, "check");
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains("ok", stdout);
        }
    }

    [Fact]
    public async Task Check_ReportsABadConfigWithPosition_AndExitsTwo_WithoutAStackTrace()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", """
            name: shop
            services:
              web:
                run: ./serve
                worker: 4
            """);

        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "check");

        Assert.Equal(2, code);
        Assert.Contains("pier.yaml:5:5", stderr);
        Assert.Contains("workers", stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    [Fact]
    public async Task Check_Json_ListsEveryProblemWithItsPosition()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    run: ./serve\n    worker: 4\n    stop: { timeout: soon }\n");

        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "check", "--json");

        Assert.Equal(2, code);
        var report = JsonDocument.Parse(stdout).RootElement;
        Assert.False(report.GetProperty("ok").GetBoolean());
        var errors = report.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(2, errors.Count);
        Assert.Equal(5, errors[0].GetProperty("line").GetInt32());
        Assert.Equal("services.web.worker", errors[0].GetProperty("field").GetString());
        Assert.Equal("services.web.stop.timeout", errors[1].GetProperty("field").GetString());

        dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    run: ./serve\n    workers: 4\n");
        (code, stdout, _) = await PierCli.RunAsync(dir.Path, "check", "--json");
        Assert.Equal(0, code);
        Assert.Equal(4, JsonDocument.Parse(stdout).RootElement.GetProperty("workers").GetInt32());
    }

    [Fact]
    public async Task Reload_Json_StreamsOneEventPerLine_EndingWithTheOutcome()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", $$"""
            name: jsonreload
            services:
              queue:
                run: sleep 300
            admin: { listen: "127.0.0.1:{{Loopback.FreePort()}}" }
            listen: { http: "127.0.0.1:{{Loopback.FreePort()}}" }
            """);
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("queue", 1);

        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "reload", "--json");

        Assert.True(code == 0, stderr);
        var events = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(events, e => e.GetProperty("message").GetString()!.StartsWith("queue.1: starting"));
        Assert.True(events[^1].GetProperty("ok").GetBoolean());
        Assert.All(events[..^1], e => Assert.False(e.TryGetProperty("ok", out _)));
    }

    [Fact]
    public async Task Up_WithABadConfig_ExitsTwoAndStartsNothing()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", "name: shop\nservices: 3\n");

        var (code, _, stderr) = await PierCli.RunAsync(dir.Path, "up");

        Assert.Equal(2, code);
        Assert.Contains("pier.yaml:2", stderr);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".pier")));
    }

    [Fact]
    public async Task Up_WhenTheConfiguredAdminPortIsTaken_ExitsOneWithWhatToDo_AndStartsNothing()
    {
        using var dir = new TestDirectory();
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        dir.Write("pier.yaml", TestConfigs.FastApi("admin-taken", Loopback.FreePort(), adminPort: taken));

        var (code, _, stderr) = await PierCli.RunAsync(dir.Path, "up");

        Assert.Equal(1, code);
        Assert.Contains($"pier: cannot listen for admin on 127.0.0.1:{taken}: ", stderr);
        Assert.Contains("change `admin.listen` in", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(File.Exists(Path.Combine(dir.Path, ".pier", Pier.Control.ControlServer.SocketName)));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, ".pier", "logs"), "web.*"));
    }

    [Fact]
    public async Task Status_WhenNothingRuns_SaysSoInOneLine()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    run: ./serve\n");

        var (code, _, stderr) = await PierCli.RunAsync(dir.Path, "status");

        Assert.Equal(1, code);
        Assert.Contains("no Pier is running", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Status_Json_DescribesEveryWorker()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", TestConfigs.FastApi("jsonstatus", port, workers: 2, run: TestConfigs.UvicornWithAccessLog, extra: """
              queue:
                run: sleep 300
            """));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);
        await pier.WaitForReadyAsync("queue", 1);

        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "status", "--json");

        Assert.True(code == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("jsonstatus", root.GetProperty("name").GetString());
        var services = root.GetProperty("services").EnumerateArray().ToList();
        var web = services.Single(s => s.GetProperty("name").GetString() == "web");
        Assert.Equal("http", web.GetProperty("kind").GetString());
        Assert.Equal(2, web.GetProperty("ready").GetInt32());
        foreach (var worker in web.GetProperty("workers").EnumerateArray())
        {
            Assert.Equal("ready", worker.GetProperty("state").GetString());
            Assert.True(worker.GetProperty("pid").GetInt32() > 1);
            Assert.True(worker.GetProperty("port").GetInt32() > 0);
            Assert.Equal(0, worker.GetProperty("restarts").GetInt32());
        }
        var queue = services.Single(s => s.GetProperty("name").GetString() == "queue");
        Assert.Equal("background", queue.GetProperty("kind").GetString());
        Assert.Equal("running", queue.GetProperty("workers")[0].GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, queue.GetProperty("workers")[0].GetProperty("port").ValueKind);
    }

    [Fact]
    public async Task ControlSocket_IsOnlyForItsOwner()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", "name: sock\nservices:\n  queue:\n    run: sleep 300\nlisten: { http: \"127.0.0.1:" + Loopback.FreePort() + "\" }\n");
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("queue", 1);

        var mode = File.GetUnixFileMode(Path.Combine(pier.StateDirectory, "pier.sock"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }
}
