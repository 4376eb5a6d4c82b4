namespace Pier.Routing.FastLane;

/// <summary>
/// One thread with its own epoll set, in nginx's shape: the <see cref="Reactor"/> waits and dispatches, the
/// <see cref="Acceptor"/> takes this loop's share of the listening socket, <see cref="PostedWork"/> is how
/// other threads reach the loop, the <see cref="KeepAlivePools"/> hold its connections to workers and the
/// <see cref="RouteCache"/> what it knows of each route. The loop owns the connections dealt to it and the
/// connections to workers that their requests use: a request never leaves the thread. Once a second it
/// walks its timers.
/// </summary>
internal sealed class EventLoop
{
    private const int TimerMilliseconds = 1000;

    private readonly PostedWork _posted;
    private readonly TimeProvider _time;
    private readonly long _ticksPerMillisecond;
    private readonly HashSet<ClientConnection> _clients = new();
    private readonly HashSet<KestrelTunnel> _tunnels = new();
    private List<ClientConnection> _again = new(), _running = new();
    private Acceptor? _acceptor;
    private long _lastWalk;
    private int _connections;
    private volatile bool _stopped;

    public EventLoop(FastLaneContext context)
    {
        Context = context;
        _time = context.Time;
        _ticksPerMillisecond = _time.TimestampFrequency / 1000;
        Now = ReadClock();
        Reactor = new Reactor(context.LogFailure);
        _posted = new PostedWork(Reactor, context.LogFailure);
        Pools = new KeepAlivePools(context.Metrics);
        Routes = new RouteCache(Pools, context.Metrics);
    }

    public FastLaneContext Context { get; }

    public Reactor Reactor { get; }

    public KeepAlivePools Pools { get; }

    public RouteCache Routes { get; }

    /// <summary>A client connection's input (16 KiB: request heads beyond it go to Kestrel).</summary>
    public BufferShelf Inputs { get; } = new(FrontDoorLimits.ClientInputBytes);

    /// <summary>The head written for a worker (Kestrel's 8 KiB request line and more).</summary>
    public BufferShelf Requests { get; } = new(FrontDoorLimits.WorkerRequestBytes);

    /// <summary>A response head rewritten, with the start of its body.</summary>
    public BufferShelf Answers { get; } = new(FrontDoorLimits.ClientAnswerBytes);

    /// <summary>Where a client's TLS hello is peeked at (one loop, one thread: one buffer).</summary>
    public byte[] Scratch { get; } = new byte[Certificates.AcmeTlsAlpnDetector.MaxRecord];

    /// <summary>Milliseconds of the context's clock, read once per wake-up.</summary>
    public long Now { get; private set; }

    /// <summary>True once the front door drains: no new connections, none kept alive.</summary>
    public bool Draining { get; private set; }

    /// <summary>Client connections and tunnels this loop holds, and connections dealt to it not yet taken in.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Client connections still open (tunnels not counted: they are Kestrel's to drain).</summary>
    public int ClientCount => _clients.Count;

    public void Listen(int listener)
    {
        _acceptor = new Acceptor(this, listener);
        _acceptor.Start();
    }

    public void Run()
    {
        while (!_stopped)
        {
            Reactor.WaitAndDispatch(_again.Count > 0 ? 0 : TimerMilliseconds);
            Now = ReadClock();
            if (_again.Count > 0)
            {
                (_running, _again) = (_again, _running);
                foreach (var client in _running)
                    Reactor.Dispatch(client, -1, Os.Native.EPOLLIN);
                _running.Clear();
            }
            if (Now - _lastWalk >= TimerMilliseconds)
            {
                _lastWalk = Now;
                WalkTimers();
            }
        }
        foreach (var client in _clients.ToArray())
            client.Close();
        foreach (var tunnel in _tunnels.ToArray())
            tunnel.Close();
        Pools.CloseAll();
        _posted.Close();
        Reactor.CloseSet();
    }

    // One virtual call and clock_gettime (vDSO) a wake-up, not a syscall.
    private long ReadClock() => _time.GetTimestamp() / _ticksPerMillisecond;

    /// <summary>Runs <paramref name="action"/> on the loop's thread.</summary>
    public void Post(Action action) => _posted.Post(action);

    /// <summary>A connection <paramref name="dealer"/> accepted, dealt to this loop: taken in here, or posted across.</summary>
    public void Receive(int fd, ClientAddress address, EventLoop dealer)
    {
        Interlocked.Increment(ref _connections);
        if (dealer == this)
            Adopt(fd, address);
        else
            Post(() => Adopt(fd, address));
    }

    private void Adopt(int fd, ClientAddress address)
    {
        if (Draining)
        {
            Interlocked.Decrement(ref _connections);
            Os.Native.close(fd);
            return;
        }
        var client = new ClientConnection(this, fd, address);
        _clients.Add(client);
        Reactor.Register(fd, client, Os.Native.EPOLLIN | Os.Native.EPOLLRDHUP);
    }

    /// <summary>A client connection closed.</summary>
    public void Forget(ClientConnection client)
    {
        if (_clients.Remove(client))
            Interlocked.Decrement(ref _connections);
    }

    /// <summary>A client connection became a tunnel: it still holds the loop's share.</summary>
    public void HandOver(ClientConnection client) => _clients.Remove(client);

    /// <summary>
    /// Reads <paramref name="client"/> again after this wake-up, as if its socket were readable: OpenSSL holds
    /// bytes of it already decrypted, which no socket event will announce.
    /// </summary>
    public void Again(ClientConnection client) => _again.Add(client);

    public void Add(KestrelTunnel tunnel) => _tunnels.Add(tunnel);

    public void Forget(KestrelTunnel tunnel)
    {
        if (_tunnels.Remove(tunnel))
            Interlocked.Decrement(ref _connections);
    }

    /// <summary>A worker connection whose answer is done: kept alive for the next request, unless the loop drains.</summary>
    public void ReturnIdle(WorkerConnection connection) => Pools.ReturnIdle(connection, Draining);

    /// <summary>Stops accepting and closes idle connections; the others close after their answer.</summary>
    public void Drain()
    {
        Draining = true;
        _acceptor?.Stop();
        foreach (var client in _clients.ToArray())
            client.CloseIfIdle();
    }

    /// <summary>Ends the loop after this wake-up; whatever is still open is closed.</summary>
    public void Stop() => _stopped = true;

    private void WalkTimers()
    {
        _acceptor?.ResumeWhenDue(Now);
        // Buffers beyond what the connections open now could use go back to the GC (and HeapTrim returns them).
        var spare = _clients.Count + 8;
        Inputs.Trim(spare);
        Requests.Trim(spare);
        Answers.Trim(spare);
        foreach (var client in _clients.ToArray())
        {
            try
            {
                client.CheckTimeouts(Now);
            }
            catch (Exception e)
            {
                Context.LogFailure($"fast lane: internal error, connection closed: {e}");
                client.Abort();
            }
        }
        Routes.Follow(Context.Table);
    }
}
