using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Pier.Os;
using Pier.Supervision;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// `pier up` as systemd starts it: the test plays systemd's part, a datagram socket named by
/// NOTIFY_SOCKET, and reads what Pier reports on it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SystemdTests
{
    [Fact]
    public async Task Up_UnderSystemd_SendsReadyStatusWatchdogAndStopping_InOrder()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", $$"""
            name: notify
            services:
              web:
                run: /usr/bin/python3 -m http.server $PORT --bind 127.0.0.1
                workers: 2
                http: { health: / }
              queue:
                run: sleep 300
            listen: { http: "127.0.0.1:{{port}}" }
            """);
        var socketPath = Path.Combine(dir.Path, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        using var pier = PierCli.Create(["up"], dir.Path);
        pier.StartInfo.Environment["NOTIFY_SOCKET"] = socketPath;
        pier.StartInfo.Environment["WATCHDOG_USEC"] = "1000000";
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Read everything Pier prints: a full pipe would block it mid-line.
        pier.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        pier.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        pier.Start();
        pier.BeginOutputReadLine();
        pier.BeginErrorReadLine();
        var messages = new List<string>();
        try
        {
            await ReceiveUntilAsync(socket, messages, m => m.Contains("READY=1"), TimeSpan.FromSeconds(60));
            await ReceiveUntilAsync(socket, messages,
                _ => messages.Any(m => m.Contains("web 2/2 ready")) && messages.Count(m => m == "WATCHDOG=1") >= 3, TimeSpan.FromSeconds(60));
            Signals.Send(pier.Id, Signals.SIGTERM);
            await ReceiveUntilAsync(socket, messages, m => m.StartsWith("STOPPING=1"), TimeSpan.FromSeconds(20));
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await pier.WaitForExitAsync(exit.Token);
            Assert.Equal(0, pier.ExitCode);
        }
        finally
        {
            if (!pier.HasExited)
                Signals.Send(pier.Id, Signals.SIGKILL);
            await OrphanGuard.EndLeftoversAsync(Path.Combine(dir.Path, ".pier"));
        }

        var all = string.Join(" | ", messages);
        var ready = messages.FindIndex(m => m.StartsWith("READY=1"));
        var stopping = messages.FindIndex(m => m.StartsWith("STOPPING=1"));
        Assert.True(ready >= 0 && stopping > ready, all);
        // Ready once every service has a worker up; the watchdog pings at half of WATCHDOG_USEC.
        Assert.Matches(@"STATUS=web [12]/2 ready, queue 1/1 running", messages[ready]);
        Assert.Contains("STATUS=web 2/2 ready, queue 1/1 running", all);
        Assert.True(messages.Take(stopping).Count(m => m == "WATCHDOG=1") >= 3, all);
        Assert.Single(messages, m => m.StartsWith("READY=1"));
    }

    private static async Task ReceiveUntilAsync(Socket socket, List<string> messages, Func<string, bool> done, TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            int count;
            try
            {
                count = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"timed out after {timeout}; received: {string.Join(" | ", messages)}");
            }
            var message = Encoding.UTF8.GetString(buffer, 0, count);
            messages.Add(message);
            if (done(message))
                return;
        }
    }
}
