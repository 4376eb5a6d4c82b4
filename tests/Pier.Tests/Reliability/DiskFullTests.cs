using System.Diagnostics;
using System.Text.Json;
using Pier.Os;
using Pier.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Pier.Tests.Reliability;

/// <summary>
/// Pier's whole state directory (logs, event history, control socket) on a 2 MiB tmpfs that noisy
/// workers fill: requests keep being served, a crashed worker is still restarted, Pier does not
/// crash, and when space comes back the logs grow again.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DiskFullTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AFullStateDisk_LosesLogLinesOnly_AndLoggingResumesWhenSpaceComesBack()
    {
        using var dir = new TestDirectory();
        using var disk = TmpfsMount.Mount(Path.Combine(dir.Path, ".pier"), "2m");
        var port = Loopback.FreePort();
        // Each worker prints about 200 KB/s beside serving: the 2 MiB fill within seconds.
        var noisy = $"""(while :; do yes "$PIER_WORKER logs a lot so that the disk under the state directory fills up" | head -n 100; sleep 0.05; done) & exec {TestConfigs.Uvicorn}""";
        dir.Write("pier.yaml", TestConfigs.FastApi("disk-full", port, workers: 2, health: TestConfigs.QuickHealth, web: """
            restart: { backoff: 100ms..1s }
            stop: { timeout: 5s }
            """, run: noisy));
        await using var pier = PierProcess.Start(dir);
        var victim = (await pier.WaitForReadyAsync("web", 2)).Services[0].Workers[1];
        await using var load = new ClientLoop(port, clients: 2, timeout: TimeSpan.FromSeconds(10));

        var clock = Stopwatch.StartNew();
        while (disk.FreeBytes > 16 * 1024)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the disk did not fill: {disk.FreeBytes} bytes free");
            await Task.Delay(100);
        }
        var fullAfter = clock.Elapsed;

        // While full: a crashed worker is still replaced, and its replacement serves.
        Signals.Send(victim.Pid!.Value, Signals.SIGKILL);
        var replaced = await pier.WaitForAsync(s => s.Services[0].Workers[1] is { State: "ready" } w && w.Pid != victim.Pid,
            TimeSpan.FromSeconds(30), "web.2 to be replaced on a full disk");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(disk.FreeBytes < 64 * 1024, $"the disk is no longer full: {disk.FreeBytes} bytes free");

        var log = Path.Combine(disk.Path, "logs", "web.1.log");
        var sizeWhenFull = new FileInfo(log).Length;
        disk.Resize("16m");
        clock.Restart();
        while (new FileInfo(log).Length < sizeWhenFull + 64 * 1024)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"web.1.log stayed at {new FileInfo(log).Length} bytes after space came back\n{Tail(pier)}");
            await Task.Delay(100);
        }
        var resumedAfter = clock.Elapsed;
        await load.StopAsync();

        var figures = LoadFigures.Of(load);
        output.WriteLine($"2 MiB state disk full after {fullAfter.TotalSeconds:0.0} s; web.2 SIGKILLed and replaced (pid {victim.Pid} -> {replaced.Services[0].Workers[1].Pid}) " +
            $"while full; web.1.log grew again {resumedAfter.TotalSeconds:0.0} s after the disk was enlarged; meanwhile {figures}");
        Assert.True(load.Failures.Count == 0, $"{figures}\n{string.Join('\n', load.Failures.Take(20))}");
        Assert.Contains("dropped", pier.Output);
        pier.Signal(Signals.SIGTERM);
        Assert.Equal(0, await pier.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        // The event history outlived the full disk: the stops at the end were written after it.
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "events", "--json", "-n", "1000");
        Assert.True(code == 0, stdout + stderr);
        var stops = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "stop")
            .Select(e => e.GetProperty("worker").GetString()).ToList();
        Assert.Equal(["web.1", "web.2"], stops.Order());
    }

    private static string Tail(PierProcess pier) => string.Join('\n', pier.Output.Split('\n').Where(l => !l.Contains("logs a lot", StringComparison.Ordinal)).TakeLast(30));
}
