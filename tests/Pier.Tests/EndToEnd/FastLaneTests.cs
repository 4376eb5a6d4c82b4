using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// The fast lane (Pier's event loops on the plain-HTTP port) with a worker that answers in every shape
/// HTTP/1.1 allows: chunked, large, until close, 1xx first, with hop-by-hop headers; and what the fast
/// lane hands to Kestrel (bodies, HTTP/1.0), over raw sockets so that every byte is seen.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FastLaneTests
{
    private const int BigLength = 4 * 1024 * 1024;

    private const string Shapes = """
        import os, socket, threading, time
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

    /// <summary>Pier with the shapes worker, stopped and its directory removed on dispose.</summary>
    private sealed record Lane(TestDirectory Dir, PierProcess Pier, int Port) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Pier.DisposeAsync();
            Dir.Dispose();
        }
    }

    private static async Task<Lane> StartAsync(string environment = "")
    {
        var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("shapes.py", Shapes);
        dir.Write("pier.yaml", TestConfigs.FastApi("fast-lane", port, workers: 1, run: $"{environment}/usr/bin/python3 shapes.py", dir: dir.Path));
        var pier = PierProcess.Start(dir);
        try
        {
            await pier.WaitForReadyAsync("web", 1);
        }
        catch
        {
            await pier.DisposeAsync();
            dir.Dispose();
            throw;
        }
        return new Lane(dir, pier, port);
    }

    [Fact]
    public async Task AnswersInEveryFraming_ArriveWhole_OnOneKeptAliveConnection()
    {
        await using var lane = await StartAsync();
        var (pier, port) = (lane.Pier, lane.Port);
        using var connection = await RawConnection.OpenAsync(port);

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

    [Fact]
    public async Task PipelinedRequests_AreAnsweredInOrder()
    {
        await using var lane = await StartAsync();
        var (pier, port) = (lane.Pier, lane.Port);
        using var connection = await RawConnection.OpenAsync(port);

        await connection.SendAsync(string.Concat(Enumerable.Range(1, 5).Select(i => $"GET /echo?n={i} HTTP/1.1\r\nHost: a\r\n\r\n")));

        for (var i = 1; i <= 5; i++)
            Assert.StartsWith($"GET /echo?n={i} HTTP/1.1", Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body));
    }

    [Fact]
    public async Task ALargeAnswer_ToASlowReader_ArrivesIntact()
    {
        await using var lane = await StartAsync();
        var (pier, port) = (lane.Pier, lane.Port);
        using var connection = await RawConnection.OpenAsync(port, receiveBuffer: 4096);

        await connection.SendAsync("GET /big HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        await Task.Delay(1000);  // the client's socket and Pier's are full: the worker must wait, not its bytes be lost
        var big = await connection.ReadAnswerAsync();
        var next = await connection.ReadAnswerAsync();

        Assert.Equal(BigLength, big.Body.Length);
        Assert.True(big.Body.Select((b, i) => b == (byte)(i % 256)).All(same => same), "the large body arrived intact");
        Assert.Equal("ok", Encoding.ASCII.GetString(next.Body));
    }

    [Fact]
    public async Task TheWorkersHopByHopHeaders_StayBehind_AndAnAnswerUntilClose_ClosesTheClient()
    {
        await using var lane = await StartAsync();
        var (pier, port) = (lane.Pier, lane.Port);

        using (var connection = await RawConnection.OpenAsync(port))
        {
            await connection.SendAsync("GET /worker-closes HTTP/1.1\r\nHost: a\r\n\r\n");
            var answer = await connection.ReadAnswerAsync();
            Assert.DoesNotContain("Keep-Alive", answer.Head);
            Assert.Equal("ok", Encoding.ASCII.GetString(answer.Body));
            // The worker closed its connection, not the client's: the client's stays.
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal("ok", Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body));
        }
        using (var connection = await RawConnection.OpenAsync(port))
        {
            await connection.SendAsync("GET /until-close HTTP/1.1\r\nHost: a\r\n\r\n");
            var answer = await connection.ReadAnswerAsync(untilClose: true);
            Assert.Contains("Connection: close", answer.Head);
            Assert.Equal("all of it", Encoding.ASCII.GetString(answer.Body));
        }
    }

    [Fact]
    public async Task TheWorkerSeesTheClientsRequest_WithoutHopByHopHeaders_AndWithForwardedHeaders()
    {
        await using var lane = await StartAsync();
        var (pier, port) = (lane.Pier, lane.Port);
        using var connection = await RawConnection.OpenAsync(port);

        await connection.SendAsync("GET /echo HTTP/1.1\r\nHost: api.example.test\r\nConnection: keep-alive\r\nKeep-Alive: 300\r\nTE: trailers\r\n" +
            "X-Forwarded-For: 6.6.6.6\r\nX-Custom: kept\r\n\r\n");
        var seen = Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body);

        Assert.Equal("GET /echo HTTP/1.1\r\nHost: api.example.test\r\nX-Custom: kept\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\n" +
            "X-Forwarded-Host: api.example.test\r\n\r\n", seen);
    }

    /// <summary>A body, or HTTP/1.0, goes to Kestrel and YARP through the tunnel; the client's address goes with it.</summary>
    [Fact]
    public async Task RequestsTheFastLaneLeavesToKestrel_AreServed_WithTheClientsAddress()
    {
        await using var lane = await StartAsync();
        var (pier, port) = (lane.Pier, lane.Port);

        using (var connection = await RawConnection.OpenAsync(port))
        {
            await connection.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            var post = Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body);
            // The same connection, now Kestrel's, carries the next request too.
            await connection.SendAsync("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n");
            var get = Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body);

            Assert.StartsWith("POST /echo HTTP/1.1", post);
            Assert.EndsWith("\r\n\r\nabc", post);
            Assert.Contains("X-Forwarded-For: 127.0.0.1", post);
            Assert.StartsWith("GET /echo HTTP/1.1", get);
        }
        using (var connection = await RawConnection.OpenAsync(port))
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
        await using var lane = await StartAsync("env IDLE=0.3 ");
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
    /// Kestrel answers a tunnelled HTTP/1.0 request and closes its side; the client keeps its own open and
    /// reads nothing. Its sockets must not wake the loops in a spin (epoll reports hang-ups even for a
    /// socket that asks for no events).
    /// </summary>
    [Fact]
    public async Task ConnectionsLeftHalfDone_CostPierNoCpu()
    {
        await using var lane = await StartAsync();
        var (pier, port) = (lane.Pier, lane.Port);
        var idle = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var tunnelled = await RawConnection.OpenAsync(port);
                await tunnelled.SendAsync("GET / HTTP/1.0\r\n\r\n");
                idle.Add(tunnelled);
                var slowReader = await RawConnection.OpenAsync(port, receiveBuffer: 4096);
                await slowReader.SendAsync("GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                idle.Add(slowReader);
            }
            await Task.Delay(1000);

            var before = CpuTicks(pier.Pid);
            await Task.Delay(2000);
            var used = (CpuTicks(pier.Pid) - before) / 100.0;

            Assert.True(used < 0.3, $"Pier used {used:0.00} s of CPU in 2 s with only idle connections");
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
        var (pier, port) = (lane.Pier, lane.Port);
        using var connection = await RawConnection.OpenAsync(port);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await connection.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n");
        var answer = await connection.ReadAnswerAsync(untilClose: true, timeout: TimeSpan.FromSeconds(20));

        Assert.StartsWith("HTTP/1.1 408", answer.Head);
        Assert.InRange(clock.Elapsed.TotalSeconds, 9, 13);
    }

    /// <summary>A raw HTTP/1.1 client: what it sends is what goes on the wire, and it reads answers byte for byte.</summary>
    private sealed class RawConnection : IDisposable
    {
        private readonly Socket _socket;
        private readonly List<byte> _buffered = [];

        private RawConnection(Socket socket) => _socket = socket;

        public static async Task<RawConnection> OpenAsync(int port, int? receiveBuffer = null)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (receiveBuffer is { } size)
                socket.ReceiveBufferSize = size;
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return new RawConnection(socket);
        }

        public async Task SendAsync(string request) => await _socket.SendAsync(Encoding.ASCII.GetBytes(request));

        /// <summary>One answer: its head, and its body as sent (chunked bodies with their framing).</summary>
        public async Task<(string Head, byte[] Body)> ReadAnswerAsync(bool bodiless = false, bool untilClose = false, TimeSpan? timeout = null)
        {
            using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
            int end;
            while ((end = IndexOf("\r\n\r\n"u8)) < 0)
                await FillAsync(cancel.Token);
            var head = Encoding.ASCII.GetString(Take(end + 4).ToArray());
            var status = int.Parse(head.AsSpan(9, 3));
            if (bodiless || status < 200 || status is 204 or 304)
                return (head, []);
            var length = head.Split("\r\n").Select(l => l.Split(':', 2)).FirstOrDefault(p => p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase));
            if (length is not null && !untilClose)
            {
                var count = int.Parse(length[1]);
                while (_buffered.Count < count)
                    await FillAsync(cancel.Token);
                return (head, Take(count).ToArray());
            }
            if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
            {
                int last;
                while ((last = IndexOf("0\r\nX-Trailer: yes\r\n\r\n"u8)) < 0)
                    await FillAsync(cancel.Token);
                return (head, Take(last + 21).ToArray());
            }
            while (await FillAsync(cancel.Token))
            {
            }
            return (head, Take(_buffered.Count).ToArray());
        }

        private int IndexOf(ReadOnlySpan<byte> value) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffered).IndexOf(value);

        private List<byte> Take(int count)
        {
            var taken = _buffered.GetRange(0, count);
            _buffered.RemoveRange(0, count);
            return taken;
        }

        /// <summary>False once the server has closed the connection.</summary>
        private async Task<bool> FillAsync(CancellationToken cancel)
        {
            var buffer = new byte[64 * 1024];
            var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
            _buffered.AddRange(buffer.AsSpan(0, read));
            return read > 0;
        }

        public void Dispose() => _socket.Dispose();
    }
}
