using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pier.Os;
using Pier.Resources;
using Pier.Supervision;
using Pier.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Pier.Tests.Reliability;

/// <summary>
/// Pier SIGKILLed under load twenty times in a row, then started once more and stopped cleanly: no
/// worker outlives its Pier, no port stays bound, and the event history holds every run intact.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RepeatedKillTests(ITestOutputHelper output)
{
    private const int Kills = 20;

    [Fact]
    public async Task TwentySigkillsUnderLoad_LeaveNoOrphan_NoBoundPort_AndAnIntactEventHistory()
    {
        var dll = await Examples.AspNetDllAsync();
        using var dir = new TestDirectory();
        var (port, admin) = (Loopback.FreePort(), Loopback.FreePort());
        dir.Write("pier.yaml", TestConfigs.AspNet("kill-loop", dll, port, workers: 2, adminPort: admin));
        var state = Path.Combine(dir.Path, ".pier");
        var runs = new List<List<(int Pid, int Port)>>();
        var (requests, orphanWait) = (0L, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();

        for (var run = 0; run <= Kills; run++)
        {
            await using var pier = PierProcess.Start(dir);
            var workers = (await pier.WaitForReadyAsync("web", 2)).Services[0].Workers;
            runs.Add(workers.Select(w => (w.Pid!.Value, w.Port!.Value)).ToList());
            await using (var load = new ClientLoop(port, clients: 2))
            {
                await Task.Delay(300);
                requests += await load.StopAsync();
                Assert.True(load.Failures.Count == 0, $"run {run + 1}: {string.Join('\n', load.Failures.Take(10))}");
            }
            if (run == Kills)
            {
                pier.Signal(Signals.SIGTERM);
                Assert.Equal(0, await pier.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                break;
            }
            pier.Signal(Signals.SIGKILL);
            Assert.NotNull(await pier.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            // Pier's guard ends the workers of a killed Pier by itself; the next Pier is started only after.
            var waited = Stopwatch.StartNew();
            while (PierProcesses(state).Count > 0)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), $"run {run + 1}: workers outlived the killed Pier: {string.Join(", ", PierProcesses(state))}");
                await Task.Delay(50);
            }
            orphanWait = waited.Elapsed > orphanWait ? waited.Elapsed : orphanWait;
        }
        var elapsed = clock.Elapsed;

        Assert.Empty(PierProcesses(state));
        foreach (var bound in (int[])[port, admin, .. runs.SelectMany(r => r.Select(w => w.Port))])
            Assert.True(CanBind(bound), $"port {bound} is still bound after the final stop");
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "events", "--json", "-n", "10000");
        Assert.True(code == 0, stdout + stderr);
        var starts = JsonDocument.Parse(stdout).RootElement.EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "start").Select(e => e.GetProperty("message").GetString()!).ToList();
        for (var run = 0; run < runs.Count; run++)
            foreach (var (pid, _) in runs[run])
                Assert.True(starts.Any(m => m.Contains($"(pid {pid},", StringComparison.Ordinal)), $"run {run + 1}: no start event for pid {pid}");
        Assert.Equal("ok", IntegrityCheck(state));
        output.WriteLine($"{Kills} SIGKILLs of Pier under load and a clean stop in {elapsed.TotalSeconds:0} s: {requests} requests, 0 failed; " +
            $"workers of a killed Pier gone within {orphanWait.TotalMilliseconds:0} ms at most; {starts.Count} start events for {runs.Count * 2} workers; integrity_check ok");
    }

    /// <summary>Live processes started by a Pier on this state directory: workers carry it in their environment.</summary>
    private static List<int> PierProcesses(string state)
    {
        var marker = Encoding.UTF8.GetBytes($"{OrphanGuard.StateVariable}={state}\0");
        return ProcessTable.All().Where(p => p.State != 'Z' && ProcessTable.EnvironmentContains(p.Pid, marker)).Select(p => p.Pid).ToList();
    }

    /// <summary>As a server binds: SO_REUSEADDR lets TIME_WAIT connections be, only a listener still there fails it.</summary>
    private static bool CanBind(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string IntegrityCheck(string state)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(state, EventHistory.FileName)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }
}
