using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pier.Tests.EndToEnd;

/// <summary>Measuring, memory limits, the budget, metrics and the event history, with real workers.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ResourceTests
{
    private static string Config(int port, int adminPort, string memory = "", int workers = 2) =>
        TestConfigs.FastApi("resources", port, workers, web: memory, adminPort: adminPort);

    [Fact]
    public async Task AWorkerOverItsMemoryLimit_IsRecycled_WithoutAFailedRequest()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", Config(port, Loopback.FreePort(), "memory: { limit: 150MiB }"));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);

        await using var load = new ClientLoop(port);
        using var client = Loopback.Client(port);
        var grown = JsonDocument.Parse(await client.GetStringAsync("/grow?mb=200")).RootElement.GetProperty("pid").GetInt32();
        await pier.WaitForAsync(s => s.Services[0].Workers.All(w => w.Pid != grown && w.State == "ready") && s.Services[0].Workers.Count == 2,
            TimeSpan.FromSeconds(30), $"the worker with pid {grown} to be recycled");
        await Task.Delay(300);
        await load.StopAsync();

        Assert.Empty(load.Failures);
        var (_, events, _) = await PierCli.RunAsync(dir.Path, "events", "--json");
        var recycle = JsonDocument.Parse(events).RootElement.EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "recycle");
        Assert.Matches(new Regex(@"^recycled web\.\d: \d+ MiB > 150 MiB$"), recycle.GetProperty("message").GetString());
    }

    [Fact]
    public async Task MoreWorkersThanTheBudgetHolds_AreNotStarted_AndStatusSaysWhy()
    {
        var available = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemAvailable:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        // Each worker is expected to need 40% of what is available now: two fit, not four.
        var expectMiB = long.Parse(available) * 4 / 10 / 1024;
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", Config(port, Loopback.FreePort(), $"memory: {{ expect: {expectMiB}MiB }}", workers: 4));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);
        await Task.Delay(500);

        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "status", "--json");
        Assert.Equal(0, code);
        var web = JsonDocument.Parse(stdout).RootElement.GetProperty("services")[0];
        Assert.Equal(2, web.GetProperty("workers").GetArrayLength());
        Assert.Contains("4 more worker(s)", web.GetProperty("note").GetString());
        Assert.Contains("starting 2", web.GetProperty("note").GetString());
    }

    [Fact]
    public async Task Metrics_ParseAsPrometheusText_AndCountTheRequestsSent()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        var adminPort = Loopback.FreePort();
        dir.Write("pier.yaml", Config(port, adminPort));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);

        using var client = Loopback.Client(port);
        for (var i = 0; i < 25; i++)
            (await client.GetAsync("/")).EnsureSuccessStatusCode();
        for (var i = 0; i < 3; i++)
            await client.GetAsync("/no-such-page");
        await Task.Delay(1500);
        using var admin = Loopback.Client(adminPort);
        var text = await admin.GetStringAsync("/metrics");

        var samples = PrometheusText.Parse(text);
        Assert.Equal(25, samples["pier_requests_total{service=\"web\",code=\"2xx\"}"]);
        Assert.Equal(3, samples["pier_requests_total{service=\"web\",code=\"4xx\"}"]);
        Assert.Equal(28, samples["pier_request_duration_seconds_count{service=\"web\"}"]);
        Assert.Equal(28, samples["pier_worker_requests_total{service=\"web\",worker=\"web.1\"}"] + samples["pier_worker_requests_total{service=\"web\",worker=\"web.2\"}"]);
        Assert.Equal(28, samples["pier_worker_request_duration_seconds_count{service=\"web\",worker=\"web.1\"}"]
            + samples["pier_worker_request_duration_seconds_count{service=\"web\",worker=\"web.2\"}"]);
        Assert.Equal(0, samples["pier_worker_requests_in_flight{service=\"web\",worker=\"web.1\"}"]);
        Assert.Equal(1, samples["pier_worker_ready{service=\"web\",worker=\"web.1\"}"]);
        Assert.True(samples["pier_worker_memory_bytes{service=\"web\",worker=\"web.2\"}"] > 1 << 20);
        Assert.True(samples["pier_host_memory_total_bytes"] > 0);
    }

    [Fact]
    public async Task Events_SurviveAPierRestart()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", Config(port, Loopback.FreePort(), workers: 1));
        await using (var first = PierProcess.Start(dir))
        {
            await first.WaitForReadyAsync("web", 1);
            first.Signal(Pier.Os.Signals.SIGTERM);
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        }
        await using var second = PierProcess.Start(dir);
        await second.WaitForReadyAsync("web", 1);
        await Task.Delay(500);

        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "events", "--json", "--service", "web");
        Assert.Equal(0, code);
        var kinds = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["start", "ready", "stop", "start", "ready"], kinds);
    }

    [Fact]
    public async Task Status_ShowsCpuAndMemoryPerWorker()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", Config(port, Loopback.FreePort()));
        await using var pier = PierProcess.Start(dir);
        var status = await pier.WaitForAsync(s => s.Services[0].Workers.Count == 2 && s.Services[0].Workers.All(w => w.MemoryBytes > 0),
            TimeSpan.FromSeconds(30), "memory figures for both workers");

        Assert.All(status.Services[0].Workers, w => Assert.InRange(w.MemoryBytes!.Value, 5L << 20, 500L << 20));
        Assert.True(status.Host.MemoryTotalBytes > 0);
        var (_, table, _) = await PierCli.RunAsync(dir.Path, "status");
        Assert.Contains("MEMORY", table);
        Assert.Contains("MiB", table);
    }

    [Fact]
    public async Task AWorkerOverItsHardLimit_IsOomKilledAlone_AndTheServiceKeepsServing()
    {
        Assert.True(Environment.UserName == "root", "the cgroup test runs as root, as CI does");
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", Config(port, Loopback.FreePort(), "memory: { hard: 120MiB }"));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);

        // Straight to one worker: the kernel kills it while it allocates.
        var victim = (await pier.StatusAsync())!.Services[0].Workers[0];
        using (var direct = Loopback.Client(victim.Port!.Value))
        {
            try
            {
                await direct.GetAsync("/grow?mb=400");
            }
            catch (HttpRequestException)
            {
            }
        }
        var status = await pier.WaitForAsync(s => s.Services[0].Workers.Any(w => w.LastExit?.StartsWith("OOM-killed") == true),
            TimeSpan.FromSeconds(30), "an OOM kill to be reported");
        Assert.Contains("over memory.hard 120 MiB", status.Services[0].Workers.Single(w => w.Id == victim.Id).LastExit);
        Assert.Equal(0, status.Services[0].Workers.Single(w => w.Id != victim.Id).Restarts);
        using var client = Loopback.Client(port);
        for (var i = 0; i < 10; i++)
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        await Task.Delay(500);

        var (_, events, _) = await PierCli.RunAsync(dir.Path, "events", "--json");
        Assert.Contains(JsonDocument.Parse(events).RootElement.EnumerateArray(), e => e.GetProperty("kind").GetString() == "oom");
    }

    [Fact]
    public async Task Autoscale_AddsWorkersUnderCpuLoad_AndRemovesThemAfterwards()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", Config(port, Loopback.FreePort(), workers: 1)
            .Replace("workers: 1", "workers: { min: 1, max: 3, cpu: 15%..50%, window: 3s, cooldown: 3s }"));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 1);

        await using (var load = new ClientLoop(port, clients: 8))
        {
            await pier.WaitForAsync(s => s.Services[0].Desired >= 2 && s.Services[0].Ready >= 2, TimeSpan.FromSeconds(60), "a second worker under load");
            await load.StopAsync();
            Assert.Empty(load.Failures);
        }
        await pier.WaitForAsync(s => s.Services[0].Desired == 1 && s.Services[0].Workers.Count == 1, TimeSpan.FromSeconds(60), "back to one worker when idle");

        var (_, events, _) = await PierCli.RunAsync(dir.Path, "events", "--json");
        var scales = JsonDocument.Parse(events).RootElement.EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "scale").Select(e => e.GetProperty("message").GetString()!).ToList();
        Assert.Contains(scales, m => m.StartsWith("autoscale web: 1 → 2 workers (cpu "));
        Assert.Contains(scales, m => m.Contains("→ 1 workers"));
    }

    [Fact]
    public async Task WorkersAuto_RunsOnePerCore_AndStatusSaysSo()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", $$"""
            name: auto
            services:
              queue:
                run: sleep 300
                workers: auto
            admin: { listen: "127.0.0.1:{{Loopback.FreePort()}}" }
            listen: { http: "127.0.0.1:{{Loopback.FreePort()}}" }
            """);
        await using var pier = PierProcess.Start(dir);
        var status = await pier.WaitForReadyAsync("queue", Environment.ProcessorCount);

        var queue = status.Services[0];
        Assert.Equal(Environment.ProcessorCount, queue.Workers.Count);
        Assert.Equal($"workers: auto = {Environment.ProcessorCount} CPU cores, all within the memory budget", queue.Note);
        var (_, table, _) = await PierCli.RunAsync(dir.Path, "status");
        Assert.Contains("workers: auto", table);
    }
}
