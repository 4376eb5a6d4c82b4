using System.Diagnostics;
using System.Text.Json;
using Pier.Logs;
using Pier.Os;

namespace Pier.Tests.EndToEnd;

/// <summary>Real `pier up` writing rotated log files, read back with `pier logs`.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class LogsTests
{
    [Fact]
    public async Task AFloodOfOutput_IsRotatedWithoutLosingALine_AndLogsShowsItsEnd()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", $$"""
            name: flood
            services:
              flood:
                run: seq 1 200000; sleep 300
            listen: { http: "127.0.0.1:{{Loopback.FreePort()}}" }
            logs: { max_size: 64KiB, keep: 400 }
            """);
        await using var pier = PierProcess.Start(dir);
        var logs = new LogDirectory(Path.Combine(pier.StateDirectory, "logs"));

        var numbers = await WaitForAsync(() =>
        {
            var lines = AllLines(logs, "flood.1");
            return lines.Count >= 200_000 ? lines : null;
        }, pier);

        Assert.Equal(Enumerable.Range(1, 200_000), numbers.Select(l => int.Parse(l.Text)));
        Assert.True(logs.RotatedFiles("flood.1").Count > 50, "expected the 64KiB files to have rotated many times");
        Assert.DoesNotContain(AllLines(logs, "pier"), l => l.Text.StartsWith("dropped", StringComparison.Ordinal));

        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "logs", "flood", "-n", "3");
        Assert.True(code == 0, stderr);
        Assert.Equal(["199998", "199999", "200000"], stdout.Trim().Split('\n').Select(l => l.Split(' ')[^1]));
        Assert.All(stdout.Trim().Split('\n'), l => Assert.StartsWith("flood.1 | ", l));
    }

    [Fact]
    public async Task Logs_FiltersByServiceAndTime_AndPrintsJson()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", $$"""
            name: filters
            services:
              web:
                run: echo "hello from $PIER_WORKER"; echo "oops from $PIER_WORKER" >&2; sleep 300
                workers: 2
              queue:
                run: echo "queue here"; sleep 300
            listen: { http: "127.0.0.1:{{Loopback.FreePort()}}" }
            """);
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);
        await pier.WaitForReadyAsync("queue", 1);
        await WaitForAsync(() => pier.Output.Contains("queue here") && pier.Output.Split("oops from").Length == 3 ? "" : null, pier);

        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "logs", "web", "--json", "--since", "10m");
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal(["web.1", "web.2"], lines.Select(l => l.GetProperty("source").GetString()).Distinct().Order());
        Assert.Contains(lines, l => l.GetProperty("stream").GetString() == "err" && l.GetProperty("text").GetString() == "oops from web.2");
        Assert.Contains(lines, l => l.GetProperty("stream").GetString() == "out" && l.GetProperty("text").GetString() == "hello from web.1");
        var times = lines.Select(l => DateTimeOffset.Parse(l.GetProperty("time").GetString()!)).ToList();
        Assert.Equal(times.Order(), times);
        Assert.All(times, t => Assert.InRange(t, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddSeconds(1)));

        (code, stdout, _) = await PierCli.RunAsync(dir.Path, "logs", "web.2");
        Assert.Equal(0, code);
        Assert.Equal(2, stdout.Trim().Split('\n').Length);
        Assert.All(stdout.Trim().Split('\n'), l => Assert.StartsWith("web.2 | ", l));

        (code, stdout, _) = await PierCli.RunAsync(dir.Path, "logs", "--since", DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"));
        Assert.Equal(0, code);
        Assert.Equal("", stdout.Trim());

        (code, _, stderr) = await PierCli.RunAsync(dir.Path, "logs", "nosuch");
        Assert.Equal(1, code);
        Assert.Contains("there are: pier, queue.1, web.1, web.2", stderr);

        (code, _, _) = await PierCli.RunAsync(dir.Path, "logs", "--since", "yesterday-ish");
        Assert.Equal(2, code);
    }

    [Fact]
    public async Task Follow_SeesNewLines_AcrossRotation_AndEndsOnCtrlC()
    {
        using var dir = new TestDirectory();
        dir.Write("pier.yaml", $$"""
            name: follow
            services:
              tick:
                run: i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.002; done
            listen: { http: "127.0.0.1:{{Loopback.FreePort()}}" }
            logs: { max_size: 4KiB, keep: 3 }
            """);
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("tick", 1);

        using var follow = PierCli.Create(["logs", "tick", "-f", "-n", "1"], dir.Path);
        var seen = new List<int>();
        follow.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Split(' ') is [.., "tick", var n])
                lock (seen)
                    seen.Add(int.Parse(n));
        };
        follow.Start();
        follow.BeginOutputReadLine();
        try
        {
            var logs = new LogDirectory(Path.Combine(pier.StateDirectory, "logs"));
            await WaitForAsync(() => { lock (seen) return seen.Count > 1500 ? "" : null; }, pier);
            Assert.NotEmpty(logs.RotatedFiles("tick.1"));
            Signals.Send(follow.Id, Signals.SIGINT);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await follow.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, follow.ExitCode);
        }
        finally
        {
            if (!follow.HasExited)
                follow.Kill();
        }

        lock (seen)
            Assert.Equal(Enumerable.Range(seen[0], seen.Count), seen);
    }

    private static List<LogLine> AllLines(LogDirectory logs, string source) =>
        logs.RotatedFiles(source).Reverse().Append(logs.LiveFile(source)).Where(File.Exists)
            .SelectMany(File.ReadLines).Select(l => LogLine.Parse(l, source)).OfType<LogLine>().ToList();

    private static async Task<T> WaitForAsync<T>(Func<T?> probe, PierProcess pier) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if (probe() is { } value)
                    return value;
            }
            catch (FileNotFoundException)
            {
                // Pier rotated a file between listing and reading it; the next look sees the new names.
            }
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException("timed out\n" + pier.Output[^Math.Min(pier.Output.Length, 4000)..]);
    }
}
