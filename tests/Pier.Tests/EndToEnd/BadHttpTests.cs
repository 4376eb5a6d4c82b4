using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// Malformed and hostile HTTP at the front door: each probe is rejected (or safely answered), no
/// worker ever sees a smuggled request, and ordinary clients keep being served.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class BadHttpTests
{
    public static TheoryData<string, string> Probes => new()
    {
        { "Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "duplicate Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n" },
        { "oversized header", "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + new string('a', 64 * 1024) + "\r\n\r\n" },
        { "oversized URL", "GET /" + new string('a', 64 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n" },
        { "space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(Probes))]
    public async Task AHostileRequest_IsRejected_AndNeverReachesAWorker(string name, string probe)
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        // With the access log on, the worker's log file shows every request it saw.
        dir.Write("pier.yaml", TestConfigs.FastApi("bad-http", port, adminPort: Loopback.FreePort(), run: TestConfigs.UvicornWithAccessLog));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 1);

        var answer = await SendRawAsync(port, probe);

        Assert.True(answer.StartsWith("HTTP/1.1 4", StringComparison.Ordinal) || answer.Length == 0, $"{name}: {answer.Split('\n')[0]}");
        using var client = Loopback.Client(port);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        await Task.Delay(300);
        var seen = File.ReadAllText(Path.Combine(pier.StateDirectory, "logs", "web.1.log"));
        Assert.Contains("\"GET / HTTP/1.1\" 200", seen);
        Assert.DoesNotContain("/smuggled", seen);
    }

    /// <summary>Writes the bytes as they are and reads what comes back until the server closes or 5 s pass.</summary>
    private static async Task<string> SendRawAsync(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        }
        catch (SocketException)
        {
            // The server may close as soon as it has seen enough of a request it refuses.
        }
        var received = new StringBuilder();
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
        return received.ToString();
    }
}
