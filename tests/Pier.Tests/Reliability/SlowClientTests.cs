using System.Diagnostics;
using System.Text.RegularExpressions;
using Pier.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Pier.Tests.Reliability;

/// <summary>
/// Slowloris (headers that never end) and R-U-Dead-Yet (a body a few bytes at a time) from Debian's
/// slowhttptest against the front door: ordinary clients keep being served quickly, and Kestrel's
/// timeouts close every slow connection on the server side.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SlowClientTests(ITestOutputHelper output)
{
    private const string AllClosed = "No open connections left";

    /// <param name="path">The slow body goes to an endpoint that reads the body, so that the data-rate limit is what cuts it.</param>
    [Theory]
    [InlineData("-H", "/")]
    [InlineData("-B", "/upload")]
    public async Task SlowClients_DoNotStarveOthers_AndAreClosedByTheServer(string mode, string path)
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", TestConfigs.FastApi("slow-clients", port, workers: 2));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);

        // 500 connections opened within 2.5 s, each sending a few bytes every 2 s; the test would last
        // 60 s if the server kept them open, and ends early once the server has closed them all.
        await using var load = new ClientLoop(port, clients: 2, timeout: TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        var (exitCode, report) = await RunSlowHttpTestAsync(mode, "-c", "500", "-r", "200", "-i", "2", "-x", "10", "-s", "65536",
            "-l", "60", "-p", "3", "-u", $"http://127.0.0.1:{port}{path}");
        var attack = clock.Elapsed;
        await load.StopAsync();

        var figures = LoadFigures.Of(load);
        var status = report.Split('\n').LastOrDefault(l => l.Contains("Exit status", StringComparison.Ordinal))?.Trim();
        output.WriteLine($"slowhttptest {mode} on {path}: ended after {attack.TotalSeconds:0.0} s ({status}); meanwhile {figures}");
        Assert.True(exitCode == 0, report);
        Assert.Contains(AllClosed, report);
        Assert.True(attack < TimeSpan.FromSeconds(30), $"the server held slow connections for {attack}\n{report}");
        Assert.True(load.Failures.Count == 0, $"{figures}\n{string.Join('\n', load.Failures.Take(20))}");
        Assert.True(figures.P99 < TimeSpan.FromSeconds(1), figures.ToString());
        Assert.False(pier.HasExited, pier.Output);
    }

    private static async Task<(int ExitCode, string Output)> RunSlowHttpTestAsync(params string[] args)
    {
        var info = new ProcessStartInfo("slowhttptest") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        // Its report is coloured even into a pipe.
        return (process.ExitCode, Regex.Replace(await stdout + await stderr, @"\x1b\[[0-9;]*m", ""));
    }
}
