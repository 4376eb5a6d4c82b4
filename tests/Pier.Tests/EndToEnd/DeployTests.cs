using System.Globalization;
using System.Net;
using Pier.Control;
using Pier.Os;
using Pier.Supervision;

namespace Pier.Tests.EndToEnd;

/// <summary>`pier reload`, `restart`, `scale` and the before-steps lock, with real workers under load.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DeployTests
{
    private static string FastApiConfig(int port, string appDir, int workers = 4, string extra = "") =>
        TestConfigs.FastApi("deploy-test", port, workers, health: TestConfigs.QuickHealth, web: """
            ready_timeout: 20s
            stop: { timeout: 10s }
            """, extra: extra, dir: appDir);

    private static List<int> Pids(StatusReport status, string service = "web") =>
        status.Services.Single(s => s.Name == service).Workers.Select(w => w.Pid!.Value).ToList();

    [Fact]
    public async Task RollingReload_OfFourFastApiWorkers_DropsNoRequest_AndReplacesEveryPid()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi));
        await using var pier = PierProcess.Start(dir);
        var before = Pids(await pier.WaitForReadyAsync("web", 4));

        await using var load = new ClientLoop(port);
        await Task.Delay(300);
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "reload");
        await Task.Delay(300);
        var sent = await load.StopAsync();

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("replacing every worker", stdout);
        Assert.Empty(load.Failures);
        Assert.True(sent > 50, $"only {sent} requests");
        var after = Pids(await pier.WaitForReadyAsync("web", 4));
        Assert.Equal(4, after.Count);
        Assert.Empty(after.Intersect(before));
    }

    [Fact]
    public async Task RollingReload_OfFourAspNetWorkers_DropsNoRequest_AndReplacesEveryPid()
    {
        var dll = await Examples.AspNetDllAsync();
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", TestConfigs.AspNet("deploy-aspnet", dll, port, workers: 4));
        await using var pier = PierProcess.Start(dir);
        var before = Pids(await pier.WaitForReadyAsync("web", 4));

        await using var load = new ClientLoop(port);
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "reload");
        await load.StopAsync();

        Assert.True(code == 0, stdout + stderr);
        Assert.Empty(load.Failures);
        Assert.Empty(Pids(await pier.WaitForReadyAsync("web", 4)).Intersect(before));
    }

    [Fact]
    public async Task Reload_WhenTheNewCodeCannotStart_IsAbandoned_AndTheOldWorkersKeepServing()
    {
        using var dir = new TestDirectory();
        var app = Directory.CreateDirectory(Path.Combine(dir.Path, "app")).FullName;
        File.Copy(Path.Combine(Examples.FastApi, "main.py"), Path.Combine(app, "main.py"));
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, app));
        await using var pier = PierProcess.Start(dir);
        var before = Pids(await pier.WaitForReadyAsync("web", 4));

        File.AppendAllText(Path.Combine(app, "main.py"), "\ndef broken(:\n");
        await using var load = new ClientLoop(port);
        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "reload");
        await Task.Delay(300);
        await load.StopAsync();

        Assert.Equal(1, code);
        Assert.Contains("abandoned", stdout);
        Assert.Contains("SyntaxError", stdout);
        Assert.Empty(load.Failures);
        Assert.Equal(before.Order(), Pids((await pier.StatusAsync())!).Order());
    }

    [Fact]
    public async Task Reload_WithAFailingMigration_KeepsTheOldVersionServing()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 2));
        await using var pier = PierProcess.Start(dir);
        var before = Pids(await pier.WaitForReadyAsync("web", 2));

        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 2, extra: """
            before:
              - echo "column users.email already exists" >&2; exit 3
            """));
        await using var load = new ClientLoop(port);
        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "reload");
        await load.StopAsync();

        Assert.Equal(1, code);
        Assert.Contains("before step 1", stdout);
        Assert.Contains("column users.email already exists", stdout);
        Assert.Empty(load.Failures);
        Assert.Equal(before.Order(), Pids((await pier.StatusAsync())!).Order());
    }

    [Fact]
    public async Task Reload_OfAnInvalidConfig_IsRefused_AndChangesNothing()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 2));
        await using var pier = PierProcess.Start(dir);
        var before = Pids(await pier.WaitForReadyAsync("web", 2));

        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 2).Replace("workers: 2", "workers: many"));
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "reload");

        Assert.NotEqual(0, code);
        Assert.Contains("services.web.workers", stdout + stderr);
        Assert.Contains("nothing was changed", stdout + stderr);
        Assert.Equal(before.Order(), Pids((await pier.StatusAsync())!).Order());
    }

    [Fact]
    public async Task ALongRequestOnAnOldWorker_CompletesDuringTheReload()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 2));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);

        using var client = Loopback.Client(port);
        var slow = client.GetAsync("/slow?ms=3000");
        await Task.Delay(300);
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "reload");
        using var response = await slow;

        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AReloadThatRaisesTheStopTimeout_MakesTheShutdownDrainWithTheNewOne()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        string Config(string stop) => TestConfigs.FastApi("deploy-stop", port, workers: 1, web: $"stop: {{ timeout: {stop} }}");
        dir.Write("pier.yaml", Config("1s"));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 1);
        dir.Write("pier.yaml", Config("6s"));
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "reload");
        Assert.True(code == 0, stdout + stderr);

        using var client = Loopback.Client(port, TimeSpan.FromSeconds(30));
        var slow = client.GetAsync("/slow?ms=3000");
        await Task.Delay(500);
        pier.Signal(Signals.SIGTERM);
        using var response = await slow;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, await pier.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("stopping: draining requests in flight (up to 6s)", pier.Output);
    }

    [Fact]
    public async Task ChangingOnlyTheWorkerCount_LeavesTheOtherWorkersAlone()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 2));
        await using var pier = PierProcess.Start(dir);
        var before = Pids(await pier.WaitForReadyAsync("web", 2));

        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 3));
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "reload");

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("only the worker count changed", stdout);
        var after = Pids((await pier.StatusAsync())!);
        Assert.Equal(3, after.Count);
        Assert.Subset(after.ToHashSet(), before.ToHashSet());
    }

    [Fact]
    public async Task Scale_TwoToFiveToOne_UnderLoad_DropsNoRequest()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 2));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);

        await using var load = new ClientLoop(port);
        var up = await PierCli.RunAsync(dir.Path, "scale", "web=5");
        var afterUp = (await pier.StatusAsync())!;
        var down = await PierCli.RunAsync(dir.Path, "scale", "web=1");
        await Task.Delay(300);
        await load.StopAsync();

        Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        Assert.True(down.ExitCode == 0, down.Stdout + down.Stderr);
        Assert.Equal(5, afterUp.Services[0].Workers.Count(w => w.State == "ready"));
        var final = (await pier.StatusAsync())!.Services[0];
        Assert.Equal(["web.1"], final.Workers.Select(w => w.Id));
        Assert.Equal(1, final.Desired);
        Assert.Empty(load.Failures);
    }

    [Fact]
    public async Task RestartOfOneWorker_ReplacesOnlyThatOne()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 2));
        await using var pier = PierProcess.Start(dir);
        var before = (await pier.WaitForReadyAsync("web", 2)).Services[0].Workers;

        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "restart", "web.2");

        Assert.True(code == 0, stdout + stderr);
        var after = (await pier.StatusAsync())!.Services[0].Workers;
        Assert.Equal(before.Single(w => w.Id == "web.1").Pid, after.Single(w => w.Id == "web.1").Pid);
        Assert.NotEqual(before.Single(w => w.Id == "web.2").Pid, after.Single(w => w.Id == "web.2").Pid);
        Assert.Equal(2, after.Count);
    }

    [Fact]
    public async Task BeforeSteps_NeverOverlap_AcrossConcurrentReloadsAndRunBefore()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        var log = Path.Combine(dir.Path, "steps.log");
        // Each run of the step writes its start and end time; overlapping runs would interleave.
        var step = $"""  - echo "start $(date +%s.%N)" >> {log}; sleep 0.7; echo "end $(date +%s.%N)" >> {log}""";
        dir.Write("pier.yaml", FastApiConfig(port, Examples.FastApi, workers: 1, extra: "before:\n" + step));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 1);

        var runs = await Task.WhenAll(
            PierCli.RunAsync(dir.Path, "reload"),
            PierCli.RunAsync(dir.Path, "reload"),
            PierCli.RunAsync(dir.Path, "run-before"),
            PierCli.RunAsync(dir.Path, "run-before"));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr));
        var lines = File.ReadAllLines(log);
        Assert.Equal(10, lines.Length);
        for (var i = 0; i < lines.Length; i++)
            Assert.StartsWith(i % 2 == 0 ? "start" : "end", lines[i]);
        var times = lines.Select(l => double.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Contains(runs, r => r.Stdout.Contains("waiting"));
    }

    [Fact]
    public async Task PostgresAdvisoryLock_KeepsStepsOfSeveralInstancesApart()
    {
        await using var postgres = await PostgresServer.StartAsync();
        using var dir = new TestDirectory();
        var log = Path.Combine(dir.Path, "steps.log");
        dir.Write("pier.yaml", $$"""
            name: pg-lock
            services:
              web:
                run: sleep 60
            before:
              - echo "start $(date +%s.%N)" >> {{log}}; sleep 0.5; echo "end $(date +%s.%N)" >> {{log}}
            lock: {{postgres.Url}}
            listen: { http: "127.0.0.1:{{Loopback.FreePort()}}" }
            """);

        // Three instances with state directories of their own: only the database lock is shared.
        var runs = await Task.WhenAll(Enumerable.Range(1, 3).Select(i =>
            PierCli.RunAsync(dir.Path, "run-before", "--state", Path.Combine(dir.Path, $"state{i}"))));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr));
        var lines = File.ReadAllLines(log);
        Assert.Equal(6, lines.Length);
        for (var i = 0; i < lines.Length; i++)
            Assert.StartsWith(i % 2 == 0 ? "start" : "end", lines[i]);
        Assert.Contains(runs, r => r.Stdout.Contains("waiting for the advisory lock"));
    }

    [Fact]
    public async Task PostgresLock_ThatCannotBeReached_FailsWithAClearMessage()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", $$"""
            name: pg-down
            services:
              web:
                run: sleep 60
            before:
              - touch {{dir.Path}}/ran
            lock: postgres://postgres:secret@127.0.0.1:{{Loopback.FreePort()}}/postgres
            """);

        var (code, _, stderr) = await PierCli.RunAsync(dir.Path, "run-before");

        Assert.Equal(1, code);
        Assert.Contains("cannot take the before-steps lock in postgres://postgres@127.0.0.1", stderr);
        Assert.DoesNotContain("secret", stderr);
        Assert.False(File.Exists(Path.Combine(dir.Path, "ran")));
    }
}
