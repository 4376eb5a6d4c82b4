using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// The fast lane (Pier's event loops on the plain-HTTP port, or on the HTTPS port terminating TLS
/// themselves) with a worker that answers in every shape HTTP/1.1 allows: chunked, large, until close,
/// 1xx first, with hop-by-hop headers; and what the fast lane hands to Kestrel (bodies, HTTP/1.0, HTTP/2,
/// hellos it leaves alone), over raw connections so that every byte is seen.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FastLaneTests
{
    private const int BigLength = 4 * 1024 * 1024;

    /// <summary>
    /// Seconds of CPU in 2 s that say a loop spins: a loop woken again and again by a descriptor burns a whole core
    /// (~2 s); Pier's background work in the same window (sampling, the JIT, the internal CA) once took 0.31 s.
    /// </summary>
    private const double SpinningCpu = 1.0;

    private const string Shapes = """
        import os, signal, socket, threading, time
        listener = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
        IDLE = float(os.environ.get("IDLE", "5"))
        BIG = bytes(range(256)) * (4 * 1024 * 1024 // 256)

        def answer(conn, method, path, head, body):
            if path in ("/", "/healthz"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif path == "/echo":
                payload = head + b"\r\n\r\n" + body
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
            elif path == "/chunked":
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                time.sleep(0.05)
                conn.sendall(b"7\r\n, world\r\n")
                time.sleep(0.05)
                conn.sendall(b"0\r\nX-Trailer: yes\r\n\r\n")
            elif path == "/big":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BIG) + BIG)
            elif path == "/until-close":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
                return False
            elif path == "/worker-closes":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\nKeep-Alive: timeout=5\r\n\r\nok")
                return False
            elif path == "/early-hints":
                conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")
                time.sleep(0.05)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif path == "/own-hsts":
                conn.sendall(b"HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=5\r\nContent-Length: 2\r\n\r\nok")
            elif path == "/dies-after-head":
                # The first worker asked dies between its head and its body, as a SIGKILL can land in uvicorn.
                try:
                    open("died", "x").close()
                except FileExistsError:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Attempt: second\r\nContent-Length: 2\r\n\r\nok")
                    return True
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Attempt: first\r\nContent-Length: 2\r\n\r\n")
                time.sleep(0.05)
                os.kill(os.getpid(), signal.SIGKILL)
            elif path == "/half-an-answer":
                # Counts the requests it sees, then answers half and closes.
                with open("half-an-answer", "a") as seen:
                    seen.write(method + "\n")
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
                return False
            elif path == "/head":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return True

        def serve(conn):
            conn.settimeout(IDLE)
            pending = b""
            with conn:
                while True:
                    while b"\r\n\r\n" not in pending:
                        try:
                            data = conn.recv(65536)
                        except socket.timeout:
                            return
                        if not data:
                            return
                        pending += data
                    head, pending = pending.split(b"\r\n\r\n", 1)
                    lines = head.split(b"\r\n")
                    method, target, _ = lines[0].split(b" ")
                    length = 0
                    for line in lines[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(pending) < length:
                        pending += conn.recv(65536)
                    body, pending = pending[:length], pending[length:]
                    if not answer(conn, method.decode(), target.split(b"?")[0].decode(), head, body):
                        return

        while True:
            threading.Thread(target=serve, args=(listener.accept()[0],), daemon=True).start()
        """;

    private const string Host = "lane.pier.test";

    /// <summary>Pier with the shapes worker, stopped and its directory removed on dispose.</summary>
    /// <param name="Port">The port the tests use: the HTTPS one when <paramref name="Https"/>.</param>
    private sealed record Lane(TestDirectory Dir, PierProcess Pier, int Port, bool Https) : IAsyncDisposable
    {
        public Task<RawConnection> OpenAsync(int? receiveBuffer = null) =>
            RawConnection.OpenAsync(Port, receiveBuffer, Https ? Host : null, Https ? ["http/1.1"] : []);

        public async ValueTask DisposeAsync()
        {
            await Pier.DisposeAsync();
            Dir.Dispose();
        }
    }

    /// <param name="https">HTTPS with Pier's internal CA: the fast lane serves the HTTPS port, Kestrel the HTTP one.</param>
    private static async Task<Lane> StartAsync(bool https = false, string environment = "", int workers = 1)
    {
        var dir = new TestDirectory();
        var port = Loopback.FreePort();
        int? httpsPort = https ? Loopback.FreePort() : null;
        dir.Write("shapes.py", Shapes);
        dir.Write("pier.yaml", TestConfigs.FastApi("fast-lane", port, workers: workers, run: $"{environment}/usr/bin/python3 shapes.py", dir: dir.Path,
            httpsPort: httpsPort, extra: https ? $"https:\n  domains: [{Host}]\n  ca: internal" : ""));
        var pier = PierProcess.Start(dir);
        try
        {
            await pier.WaitForReadyAsync("web", workers);
            if (httpsPort is { } tls)
                await WaitForCertificateAsync(tls);
        }
        catch
        {
            await pier.DisposeAsync();
            dir.Dispose();
            throw;
        }
        return new Lane(dir, pier, httpsPort ?? port, https);
    }

    /// <summary>Handshakes fail until the internal CA's first certificate is there.</summary>
    private static async Task WaitForCertificateAsync(int port)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var connection = await RawConnection.OpenAsync(port, tlsHost: Host);
                return;
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(100);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnswersInEveryFraming_ArriveWhole_OnOneKeptAliveConnection(bool https)
    {
        await using var lane = await StartAsync(https);
        var pier = lane.Pier;
        using var connection = await lane.OpenAsync();

        await connection.SendAsync("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
        var chunked = await connection.ReadAnswerAsync();
        await connection.SendAsync("GET /early-hints HTTP/1.1\r\nHost: a\r\n\r\n");
        var hints = await connection.ReadAnswerAsync();
        var final = await connection.ReadAnswerAsync();
        await connection.SendAsync("HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n");
        var head = await connection.ReadAnswerAsync(bodiless: true);
        await connection.SendAsync("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
        var big = await connection.ReadAnswerAsync();

        Assert.Contains("Transfer-Encoding: chunked", chunked.Head);
        Assert.Equal("5\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n", Encoding.ASCII.GetString(chunked.Body));
        Assert.StartsWith("HTTP/1.1 103 Early Hints", hints.Head);
        Assert.Equal("ok", Encoding.ASCII.GetString(final.Body));
        Assert.Contains("Content-Length: 100", head.Head);
        Assert.Equal(BigLength, big.Body.Length);
        Assert.True(big.Body.Select((b, i) => b == (byte)(i % 256)).All(same => same), "the large body arrived intact");
        Assert.DoesNotContain("answered", pier.Output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PipelinedRequests_AreAnsweredInOrder(bool https)
    {
        await using var lane = await StartAsync(https);
        using var connection = await lane.OpenAsync();

        await connection.SendAsync(string.Concat(Enumerable.Range(1, 5).Select(i => $"GET /echo?n={i} HTTP/1.1\r\nHost: a\r\n\r\n")));

        for (var i = 1; i <= 5; i++)
            Assert.StartsWith($"GET /echo?n={i} HTTP/1.1", Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ALargeAnswer_ToASlowReader_ArrivesIntact(bool https)
    {
        await using var lane = await StartAsync(https);
        using var connection = await lane.OpenAsync(receiveBuffer: 4096);

        await connection.SendAsync("GET /big HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        await Task.Delay(1000);  // the client's socket and Pier's are full: the worker must wait, not its bytes be lost
        var big = await connection.ReadAnswerAsync();
        var next = await connection.ReadAnswerAsync();

        Assert.Equal(BigLength, big.Body.Length);
        Assert.True(big.Body.Select((b, i) => b == (byte)(i % 256)).All(same => same), "the large body arrived intact");
        Assert.Equal("ok", Encoding.ASCII.GetString(next.Body));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheWorkersHopByHopHeaders_StayBehind_AndAnAnswerUntilClose_ClosesTheClient(bool https)
    {
        await using var lane = await StartAsync(https);

        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync("GET /worker-closes HTTP/1.1\r\nHost: a\r\n\r\n");
            var answer = await connection.ReadAnswerAsync();
            Assert.DoesNotContain("Keep-Alive", answer.Head);
            Assert.Equal("ok", Encoding.ASCII.GetString(answer.Body));
            // The worker closed its connection, not the client's: the client's stays.
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal("ok", Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body));
        }
        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync("GET /until-close HTTP/1.1\r\nHost: a\r\n\r\n");
            var answer = await connection.ReadAnswerAsync(untilClose: true);
            Assert.Contains("Connection: close", answer.Head);
            Assert.Equal("all of it", Encoding.ASCII.GetString(answer.Body));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheWorkerSeesTheClientsRequest_WithoutHopByHopHeaders_AndWithForwardedHeaders(bool https)
    {
        await using var lane = await StartAsync(https);
        using var connection = await lane.OpenAsync();

        await connection.SendAsync("GET /echo HTTP/1.1\r\nHost: api.example.test\r\nConnection: keep-alive\r\nKeep-Alive: 300\r\nTE: trailers\r\n" +
            "X-Forwarded-For: 6.6.6.6\r\nX-Custom: kept\r\n\r\n");
        var answer = await connection.ReadAnswerAsync();
        var seen = Encoding.ASCII.GetString(answer.Body);

        Assert.Equal("GET /echo HTTP/1.1\r\nHost: api.example.test\r\nX-Custom: kept\r\nX-Forwarded-For: 127.0.0.1\r\n" +
            $"X-Forwarded-Proto: {(https ? "https" : "http")}\r\nX-Forwarded-Host: api.example.test\r\n\r\n", seen);
        Assert.Equal(https, answer.Head.Contains("\r\nStrict-Transport-Security: max-age=31536000\r\n"));
    }

    /// <summary>A body, or HTTP/1.0, goes to Kestrel and YARP through the tunnel; the client's address goes with it.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestsTheFastLaneLeavesToKestrel_AreServed_WithTheClientsAddress(bool https)
    {
        await using var lane = await StartAsync(https);

        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            var post = Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body);
            // The same connection, now Kestrel's, carries the next request too.
            await connection.SendAsync("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n");
            var get = Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body);

            Assert.StartsWith("POST /echo HTTP/1.1", post);
            Assert.EndsWith("\r\n\r\nabc", post);
            Assert.Contains("X-Forwarded-For: 127.0.0.1", post);
            Assert.Contains($"X-Forwarded-Proto: {(https ? "https" : "http")}", post);
            Assert.StartsWith("GET /echo HTTP/1.1", get);
        }
        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync("GET / HTTP/1.0\r\n\r\n");
            var answer = await connection.ReadAnswerAsync(untilClose: true);
            Assert.StartsWith("HTTP/1.1 200", answer.Head);
            Assert.Equal("ok", Encoding.ASCII.GetString(answer.Body));
        }
    }

    [Fact]
    public async Task AKeptAliveConnectionTheWorkerClosed_IsNotAFailure()
    {
        await using var lane = await StartAsync(environment: "env IDLE=0.3 ");
        var (pier, port) = (lane.Pier, lane.Port);
        using var client = Loopback.Client(port);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
            await Task.Delay(i % 2 == 0 ? 400 : 290);
        }

        Assert.DoesNotContain("answered", pier.Output);
    }

    /// <summary>
    /// uvicorn writes an answer's head and its body apart, and a worker killed between the two (bench/crash-under-load.sh
    /// caught it) must not cost the client the answer: a small one is passed on whole, so nothing has reached the
    /// client yet and the GET goes to the other worker. HTTP/1.0 is Kestrel's and YARP's, which keep the same rule.
    /// </summary>
    [Theory]
    [InlineData(false, "1.1")]
    [InlineData(true, "1.1")]
    [InlineData(false, "1.0")]
    public async Task AWorkerKilledBetweenItsHeadAndItsBody_CostsTheClientNothing(bool https, string version)
    {
        await using var lane = await StartAsync(https, workers: 2);
        using var connection = await lane.OpenAsync();

        await connection.SendAsync($"GET /dies-after-head HTTP/{version}\r\nHost: {Host}\r\n\r\n");
        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 200", answer.Head);
        // Nothing of the first attempt's head is left in the answer.
        Assert.Contains("X-Attempt: second\r\n", answer.Head);
        Assert.DoesNotContain("first", answer.Head);
        Assert.Single(answer.Head.Split("\r\n"), l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("ok", Encoding.ASCII.GetString(answer.Body));
        Assert.Contains("(exit code 137 (SIGKILL))", await lane.Pier.WaitForLineAsync(" exited "));
        Assert.DoesNotContain("answered", lane.Pier.Output);
    }

    /// <summary>
    /// The answer held back above says that the worker had the request: when its kept-alive connection then
    /// closes, the request is not sent again as if the worker had closed it idle (a POST must not run twice).
    /// </summary>
    [Fact]
    public async Task APostTheWorkerHalfAnswered_OnAKeptAliveConnection_IsNotSentAgain()
    {
        await using var lane = await StartAsync();
        using var connection = await lane.OpenAsync();
        await connection.SendAsync($"GET / HTTP/1.1\r\nHost: {Host}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", (await connection.ReadAnswerAsync()).Head);

        await connection.SendAsync($"POST /half-an-answer HTTP/1.1\r\nHost: {Host}\r\nContent-Length: 0\r\n\r\n");
        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 502", answer.Head);
        Assert.Equal(["POST"], File.ReadAllLines(Path.Combine(lane.Dir.Path, "half-an-answer")));
        Assert.Contains("answered 502 (it may not be retried): web.1: Request: the worker closed the connection before its answer was whole",
            await lane.Pier.WaitForLineAsync("/half-an-answer answered"));
    }

    /// <summary>
    /// Kestrel answers a tunnelled HTTP/1.0 request and closes its side; the client keeps its own open and
    /// reads nothing. Its sockets must not wake the loops in a spin (epoll reports hang-ups even for a
    /// socket that asks for no events).
    /// </summary>
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
