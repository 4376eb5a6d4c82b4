using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Pier.Resources;
using Pier.Routing;
using Pier.Routing.FastLane;

namespace Pier.Tests.Routing.FastLane;

/// <summary>
/// One loop in-process with real loopback sockets on both sides; the loop's clock is a FakeTimeProvider,
/// so its timer walk sees minutes pass at once.
/// </summary>
public sealed class ExchangeTests
{
    private const string Get = "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n";

    [Fact]
    public async Task AWorkerThatNeverAnswers_GetsTheClientA504_AfterFiveMinutesOfSilence()
    {
        using var worker = new TcpListener(IPAddress.Loopback, 0);
        worker.Start();
        using var lane = new Lane(new Destination("web-1", $"http://127.0.0.1:{Port(worker)}/"));
        using var client = lane.Connect();
        client.Send(Encoding.ASCII.GetBytes(Get));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var accepted = await worker.AcceptSocketAsync(timeout.Token);
        Assert.Contains("GET / HTTP/1.1", await ReadHeadAsync(accepted, timeout.Token));

        await lane.AdvanceAsync(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, client.Available);
        await lane.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.StartsWith("HTTP/1.1 504", await ReadHeadAsync(client, timeout.Token));
    }

    [Fact]
    public async Task AConnectThatNeverCompletes_FailsTheAttemptAfterFiveSeconds()
    {
        // A listener whose accept queue is full drops the next SYN: the loop's connect hangs.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var port = ((IPEndPoint)full.LocalEndPoint!).Port;
        var fillers = Enumerable.Range(0, 2).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToArray();
        try
        {
            foreach (var filler in fillers)
                _ = filler.ConnectAsync(IPAddress.Loopback, port);
            var destination = new Destination("web-1", $"http://127.0.0.1:{port}/");
            using var lane = new Lane(destination);
            using var client = lane.Connect();
            client.Send(Encoding.ASCII.GetBytes(Get));
            await Until(() => destination.InFlight == 1);

            await lane.AdvanceAsync(TimeSpan.FromSeconds(4));
            Assert.Equal(0, client.Available);
            await lane.AdvanceAsync(TimeSpan.FromSeconds(1));

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.StartsWith("HTTP/1.1 502", await ReadHeadAsync(client, timeout.Token));
            Assert.Contains(lane.Log, line => line.Contains("cannot connect"));
        }
        finally
        {
            foreach (var filler in fillers)
                filler.Dispose();
        }
    }

    [Fact]
    public async Task ARefusedConnect_IsRetriedOnAnotherWorker()
    {
        int refusedPort;
        using (var gone = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            gone.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            refusedPort = ((IPEndPoint)gone.LocalEndPoint!).Port;
        }
        using var worker = new TcpListener(IPAddress.Loopback, 0);
        worker.Start();
        var refusing = new Destination("web-1", $"http://127.0.0.1:{refusedPort}/");
        var answering = new Destination("web-2", $"http://127.0.0.1:{Port(worker)}/");
        // One request in flight on the answering worker: of the two choices the refusing one, idle, goes first,
        // so the answer can only come from the retry.
        answering.Begin();
        using var lane = new Lane(refusing, answering);
        using var client = lane.Connect();
        client.Send(Encoding.ASCII.GetBytes(Get));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var accepted = await worker.AcceptSocketAsync(timeout.Token);
        await ReadHeadAsync(accepted, timeout.Token);
        accepted.Send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8);

        Assert.StartsWith("HTTP/1.1 200", await ReadHeadAsync(client, timeout.Token));
        answering.End();
    }

    private static int Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    private static async Task Until(Func<bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, "timed out waiting for the loop");
            await Task.Delay(10);
        }
    }

    private static async Task<string> ReadHeadAsync(Socket socket, CancellationToken cancel)
    {
        var read = new List<byte>();
        var buffer = new byte[4096];
        while (!Encoding.ASCII.GetString(read.ToArray()).Contains("\r\n\r\n"))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
            if (n == 0)
                break;
            read.AddRange(buffer.AsSpan(0, n));
        }
        return Encoding.ASCII.GetString(read.ToArray());
    }

    /// <summary>A loop on its own thread, listening on a loopback port, with every route's service "web".</summary>
    private sealed class Lane : IDisposable
    {
        private readonly FakeTimeProvider _time = new();
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly EventLoop _loop;
        private readonly Thread _thread;

        public Lane(params Destination[] destinations)
        {
            var routes = new LiveRoutes();
            routes.Publish(new ServiceRoute("web", [], destinations));
            var context = new FastLaneContext(routes, new PierMetrics(), Log.Enqueue,
                WorkerAddress.ForSocket(Path.Combine(Path.GetTempPath(), "pier-unused.sock")), time: _time);
            _loop = new EventLoop(context);
            context.Deal([_loop]);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(16);
            _listener.Blocking = false;
            _loop.Listen((int)_listener.Handle);
            _thread = new Thread(_loop.Run) { IsBackground = true, Name = "exchange-tests-loop" };
            _thread.Start();
        }

        public ConcurrentQueue<string> Log { get; } = new();

        public Socket Connect()
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(_listener.LocalEndPoint!);
            return client;
        }

        /// <summary>Moves the loop's clock on and returns once its timer walk has seen the new time.</summary>
        public async Task AdvanceAsync(TimeSpan by)
        {
            _time.Advance(by);
            // The first post wakes the loop, which walks its timers after it; the second runs in a later wake-up.
            await OnLoopAsync();
            await OnLoopAsync();
        }

        private Task OnLoopAsync()
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _loop.Post(done.SetResult);
            return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        public void Dispose()
        {
            _loop.Post(_loop.Stop);
            Assert.True(_thread.Join(TimeSpan.FromSeconds(10)));
            _listener.Dispose();
        }
    }
}
