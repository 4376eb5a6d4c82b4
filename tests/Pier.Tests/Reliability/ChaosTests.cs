using System.Diagnostics;
using System.Net;
using Pier.Os;
using Pier.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Pier.Tests.Reliability;

/// <summary>
/// Four FastAPI workers under steady GETs while workers are SIGKILLed and SIGSTOPped at random: the
/// front door retries idempotent requests elsewhere and liveness replaces hung workers, so no
/// request is lost.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ChaosFor = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RandomKillsAndStops_UnderSteadyGets_LoseNoRequest()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        // Restarts are quick and never given up on: the chaos kills the same slot several times a minute.
        dir.Write("pier.yaml", TestConfigs.FastApi("chaos", port, workers: 4, health: TestConfigs.QuickHealth, web: """
            restart: { backoff: 100ms..1s, give_up: 100 in 1m }
            stop: { timeout: 5s }
            """));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 4);

        var seed = Environment.TickCount;
        var random = new Random(seed);
        var stopped = new List<int>();
        var (kills, stops, continued) = (0, 0, 0);
        await using var load = new ClientLoop(port, clients: 4, timeout: TimeSpan.FromSeconds(30));
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < ChaosFor)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1500, 3500)));
                var ready = (await pier.StatusAsync())?.Services[0].Workers
                    .Where(w => w.State == "ready" && w.Pid is { } pid && !stopped.Contains(pid)).Select(w => w.Pid!.Value).ToList() ?? [];
                // A stopped worker may be continued (it recovered) or left for the liveness probe to replace.
                if (stopped.Count > 0 && random.Next(2) == 0)
                {
                    Signals.Send(stopped[0], Signals.SIGCONT);
                    stopped.RemoveAt(0);
                    continued++;
                }
                // Two workers are left alone so that the test measures Pier, not a pool with no one in it.
                if (ready.Count < 3)
                    continue;
                var victim = ready[random.Next(ready.Count)];
                // About one action in three is a stop, and never fewer than one in five, so that every run has hung workers.
                if (stopped.Count == 0 && (random.Next(3) == 0 || stops * 5 < kills))
                {
                    Signals.Send(victim, Signals.SIGSTOP);
                    stopped.Add(victim);
                    stops++;
                }
                else
                {
                    Signals.Send(victim, Signals.SIGKILL);
                    kills++;
                }
            }
        }
        finally
        {
            foreach (var pid in stopped)
                Signals.Send(pid, Signals.SIGCONT);
        }
        await pier.WaitForReadyAsync("web", 4, TimeSpan.FromSeconds(60));
        await load.StopAsync();

        var figures = LoadFigures.Of(load);
        output.WriteLine($"chaos for {ChaosFor.TotalSeconds:0} s (seed {seed}): {kills} SIGKILLs, {stops} SIGSTOPs ({continued} continued by the test); {figures}");
        Assert.False(pier.HasExited, pier.Output);
        Assert.True(figures.Requests > 500, $"only {figures.Requests} requests");
        Assert.True(load.Failures.Count == 0, $"{figures}\n{string.Join('\n', load.Failures.Take(20))}\nPier's own log:\n" +
            string.Join('\n', pier.Output.Split('\n').Where(line => line.StartsWith("pier ", StringComparison.Ordinal) || line.StartsWith("proxy ", StringComparison.Ordinal))));
        Assert.True(kills >= 10 && stops >= 2, $"too little chaos: {kills} kills, {stops} stops");
    }

    [Fact]
    public async Task ARequestHeldByAHungWorker_IsRetriedOnTheWorkersRunningNow()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        // No health path, so no liveness probe: the hung worker stays hung until the test kills it.
        dir.Write("pier.yaml", TestConfigs.FastApi("held-request", port, workers: 3, health: null, web: "restart: { backoff: 100ms..1s }"));
        await using var pier = PierProcess.Start(dir);
        var pids = (await pier.WaitForReadyAsync("web", 3)).Services[0].Workers.Select(w => w.Pid!.Value).ToList();

        Signals.Send(pids[0], Signals.SIGSTOP);
        using var client = Loopback.Client(port, TimeSpan.FromSeconds(60));
        var clock = Stopwatch.StartNew();
        var requests = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await client.GetAsync("/");
            return (response.StatusCode, Took: clock.Elapsed);
        }).ToList();
        await Task.Delay(500);
        // The other two are replaced while requests wait on the hung one: the workers they were routed among are gone.
        Signals.Send(pids[1], Signals.SIGKILL);
        Signals.Send(pids[2], Signals.SIGKILL);
        await pier.WaitForAsync(s => s.Services[0].Workers.Skip(1).All(w => w.State == "ready" && !pids.Contains(w.Pid!.Value)),
            TimeSpan.FromSeconds(30), "web.2 and web.3 to be replaced");
        var replacedAfter = clock.Elapsed;
        Signals.Send(pids[0], Signals.SIGKILL);
        var answers = await Task.WhenAll(requests);

        output.WriteLine($"{answers.Count(a => a.Took > replacedAfter)} of {answers.Length} requests were held by the hung worker for " +
            $"{replacedAfter.TotalSeconds:0.0} s and more; answers: {string.Join(", ", answers.Select(a => (int)a.StatusCode))}");
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Contains(answers, a => a.Took > replacedAfter);
    }
}
