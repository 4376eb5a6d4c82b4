using System.Net;
using System.Net.Sockets;
using System.Text;
using static Pier.Tests.EndToEnd.FastLaneRig;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// The fast lane's guards against clients that stall: connections left half done cost no CPU, a head or a TLS
/// hello that never ends is closed after 10 s; and HTTPS details (HSTS, HTTP/2 to Kestrel, pipelined heads).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FastLaneGuardTests
{
    /// <summary>
    /// Seconds of CPU in 2 s that say a loop spins: a loop woken again and again by a descriptor burns a whole core
    /// (~2 s); Pier's background work in the same window (sampling, the JIT, the internal CA) once took 0.31 s.
    /// </summary>
    private const double SpinningCpu = 1.0;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionsLeftHalfDone_CostPierNoCpu(bool https)
    {
        await using var lane = await StartAsync(https);
        var pier = lane.Pier;
        var idle = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var tunnelled = await lane.OpenAsync();
                await tunnelled.SendAsync("GET / HTTP/1.0\r\n\r\n");
                idle.Add(tunnelled);
                var slowReader = await lane.OpenAsync(receiveBuffer: 4096);
                await slowReader.SendAsync("GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                idle.Add(slowReader);
            }
            await Task.Delay(1000);

            var before = CpuTicks(pier.Pid);
            await Task.Delay(2000);
            var used = (CpuTicks(pier.Pid) - before) / 100.0;

            Assert.True(used < SpinningCpu, $"Pier used {used:0.00} s of CPU in 2 s with only idle connections");
        }
        finally
        {
            foreach (var connection in idle)
                connection.Dispose();
        }
    }

    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }

    [Fact]
    public async Task ARequestHeadThatNeverEnds_Gets408_After10Seconds()
    {
        await using var lane = await StartAsync();
        using var connection = await lane.OpenAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n");
        var answer = await connection.ReadAnswerAsync(untilClose: true, timeout: TimeSpan.FromSeconds(20));

        Assert.StartsWith("HTTP/1.1 408", answer.Head);
        Assert.InRange(clock.Elapsed.TotalSeconds, 9, 13);
    }

    /// <summary>
    /// Over HTTPS Pier's HSTS replaces a worker's own; HTTP/2 clients get Kestrel's HTTP/2 on the stream the loop
    /// decrypted, as HTTPS (HSTS, X-Forwarded-Proto), bodies included.
    /// </summary>
    [Fact]
    public async Task Https_PiersHstsWins_AndHttp2ClientsAreServedByKestrel()
    {
        await using var lane = await StartAsync(https: true);
        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync($"GET /own-hsts HTTP/1.1\r\nHost: {Host}\r\n\r\n");
            var answer = await connection.ReadAnswerAsync();
            Assert.Equal("http/1.1", connection.Protocol);
            Assert.Single(answer.Head.Split("\r\n"), line => line.StartsWith("Strict-Transport-Security", StringComparison.OrdinalIgnoreCase));
            Assert.Contains("Strict-Transport-Security: max-age=31536000\r\n", answer.Head);
        }

        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, lane.Port, cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(15),
        };
        using var get = await client.GetAsync($"https://{Host}:{lane.Port}/");
        using var post = await client.PostAsync($"https://{Host}:{lane.Port}/echo", new StringContent("abc"));
        var echoed = await post.Content.ReadAsStringAsync();

        Assert.Equal(HttpVersion.Version20, get.Version);
        Assert.Equal("ok", await get.Content.ReadAsStringAsync());
        Assert.Equal("max-age=31536000", get.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.StartsWith("POST /echo HTTP/1.1", echoed);
        Assert.Contains("X-Forwarded-Proto: https", echoed);
        Assert.EndsWith("\r\n\r\nabc", echoed);
    }

    /// <summary>
    /// One TLS record can hold more than the loop's input buffer has room for: OpenSSL keeps the rest decrypted, and
    /// no socket event announces it. Here the first request's head takes 35 bytes of the buffer while its answer is
    /// slow, and the next record holds 16,354 bytes of pipelined heads: the last bytes of the last head wait in OpenSSL.
    /// </summary>
    [Fact]
    public async Task Https_PipelinedHeadsThatOverfillTheBuffer_AreAllAnswered()
    {
        await using var lane = await StartAsync(https: true);
        using var connection = await lane.OpenAsync();
        await connection.SendAsync("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
        await Task.Delay(20);

        const int record = 16354;  // fits one record, whatever the client's largest
        var heads = new StringBuilder();
        for (var i = 1; i <= 4; i++)
            heads.Append($"GET /echo?n={i} HTTP/1.1\r\nHost: a\r\nX-Pad: {new string('p', 3000)}\r\n\r\n");
        var last = $"GET /echo?n=5 HTTP/1.1\r\nHost: a\r\nX-Pad: \r\n\r\n";
        heads.Append(last.Replace("X-Pad: ", "X-Pad: " + new string('p', record - heads.Length - last.Length)));
        Assert.Equal(record, heads.Length);
        await connection.SendAsync(heads.ToString());

        var chunked = await connection.ReadAnswerAsync();
        Assert.Contains("hello", Encoding.ASCII.GetString(chunked.Body));
        for (var i = 1; i <= 5; i++)
            Assert.StartsWith($"GET /echo?n={i} HTTP/1.1", Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body));
    }

    /// <summary>
    /// A hello that never ends costs Pier no CPU while the loop waits for the rest of it (its bytes stay in
    /// the socket) and is closed after 10 s; plain HTTP on the HTTPS port goes to Kestrel's TLS, which refuses
    /// it; other clients are served all the while.
    /// </summary>
    [Fact]
    public async Task Https_AHelloThatNeverEnds_CostsNoCpu_AndIsClosedAfter10Seconds_PlainHttpIsRefused()
    {
        await using var lane = await StartAsync(https: true);
        using var stalled = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await stalled.ConnectAsync(IPAddress.Loopback, lane.Port);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await stalled.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 });
        await Task.Delay(500);

        var before = CpuTicks(lane.Pier.Pid);
        await Task.Delay(2000);
        var used = (CpuTicks(lane.Pier.Pid) - before) / 100.0;
        using (var other = await lane.OpenAsync())
        {
            await other.SendAsync($"GET / HTTP/1.1\r\nHost: {Host}\r\n\r\n");
            Assert.Equal("ok", Encoding.ASCII.GetString((await other.ReadAnswerAsync()).Body));
        }
        using (var plain = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await plain.ConnectAsync(IPAddress.Loopback, lane.Port);
            await plain.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {Host}\r\n\r\n"));
            var refusal = await ReadUntilClosedAsync(plain);
            Assert.False(refusal.StartsWith("HTTP/"), $"plain HTTP on the HTTPS port got an HTTP answer: {refusal}");
        }
        var read = await ReadUntilClosedAsync(stalled);

        Assert.True(used < SpinningCpu, $"Pier used {used:0.00} s of CPU in 2 s with a stalled hello");
        Assert.Equal("", read);
        Assert.InRange(clock.Elapsed.TotalSeconds, 9, 13);
    }

    /// <summary>Whatever arrives until the server closes (a reset counts as closed), within 20 s.</summary>
    private static async Task<string> ReadUntilClosedAsync(Socket socket)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0)
                received.AddRange(buffer.AsSpan(0, read));
        }
        catch (SocketException)
        {
        }
        return Encoding.Latin1.GetString(received.ToArray());
    }
}
