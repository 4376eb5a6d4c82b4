using Pier.Os;
using Pier.Resources;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Pier.Routing.FastLane;

/// <summary>
/// One thread with its own epoll set. It accepts from the shared listening socket (EPOLLEXCLUSIVE, so
/// one loop wakes per connection), deals what it accepts to the loops in turn, and owns the connections
/// dealt to it and the connections to workers that their requests use: a request never leaves the thread, as in nginx's worker processes. Other
/// threads reach a loop only through <see cref="Post"/>.
/// </summary>
internal sealed unsafe class EventLoop : ILoopHandler
{
    private const int SweepMilliseconds = 1000;

    private readonly int _epoll;
    private readonly int _wakeup;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Dictionary<Destination, DestinationState> _destinations = new();
    // By reference: a route is one snapshot's, and hashing its record (service name included) costs on every request.
    private readonly Dictionary<ServiceRoute, (bool CanForward, PierMetrics.ServiceSeries Series)> _routes = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<ClientConnection> _clients = new();
    private readonly HashSet<KestrelTunnel> _tunnels = new();
    private List<ClientConnection> _again = new(), _running = new();
    private ILoopHandler?[] _handlers = new ILoopHandler?[1024];
    private uint[] _ids = new uint[1024];
    private int _listener = -1;
    private uint _nextId;
    private long _lastSweep;
    private readonly Lock _wakeupLock = new();
    private RoutingTable? _swept;
    private long _acceptPausedUntil;
    private int _connections;
    private bool _wakeupClosed;
    private volatile bool _stopped;

    public EventLoop(FastLaneContext context)
    {
        Context = context;
        _epoll = Check(Native.epoll_create1(Native.EFD_CLOEXEC), "epoll_create1");
        _wakeup = Check(Native.eventfd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC), "eventfd");
        Register(_wakeup, this, Native.EPOLLIN);
    }

    public FastLaneContext Context { get; }

    /// <summary>A client connection's input (16 KiB: request heads beyond it go to Kestrel).</summary>
    public BufferShelf Inputs { get; } = new(ClientConnection.InputCapacity);

    /// <summary>The head written for a worker (Kestrel's 8 KiB request line and more).</summary>
    public BufferShelf Requests { get; } = new(ClientConnection.RequestCapacity);

    /// <summary>A response head rewritten, with the start of its body.</summary>
    public BufferShelf Answers { get; } = new(ClientConnection.OutCapacity);

    /// <summary>Where a client's TLS hello is peeked at (one loop, one thread: one buffer).</summary>
    public byte[] Scratch { get; } = new byte[Certificates.AcmeTlsAlpnDetector.MaxRecord];

    /// <summary>Milliseconds of <see cref="Environment.TickCount64"/>, read once per wake-up.</summary>
    public long Now { get; private set; } = Environment.TickCount64;

    /// <summary>True once the front door drains: no new connections, none kept alive.</summary>
    public bool Draining { get; private set; }

    public void Listen(int listener)
    {
        _listener = listener;
        Register(listener, this, Native.EPOLLIN | Native.EPOLLEXCLUSIVE);
    }

    public void Run()
    {
        const int max = 256;
        var events = stackalloc Native.EpollEvent[max];
        while (!_stopped)
        {
            var n = Native.epoll_wait(_epoll, events, max, _again.Count > 0 ? 0 : SweepMilliseconds);
            Now = Environment.TickCount64;
            if (n < 0 && Native.Errno != Native.EINTR)
            {
                Context.LogFailure($"fast lane: epoll_wait failed: {Marshal.GetPInvokeErrorMessage(Native.Errno)}");
                Thread.Sleep(10);
            }
            for (var i = 0; i < n; i++)
            {
                var fd = (int)(uint)events[i].Data;
                var id = (uint)(events[i].Data >> 32);
                if (fd < _handlers.Length && _ids[fd] == id && _handlers[fd] is { } handler)
                    Dispatch(handler, fd, events[i].Events);
            }
            if (_again.Count > 0)
            {
                (_running, _again) = (_again, _running);
                foreach (var client in _running)
                    Dispatch(client, -1, Native.EPOLLIN);
                _running.Clear();
            }
            if (Now - _lastSweep >= SweepMilliseconds)
            {
                _lastSweep = Now;
                Sweep();
            }
        }
        foreach (var client in _clients.ToArray())
            client.Close();
        foreach (var tunnel in _tunnels.ToArray())
            tunnel.Close();
        foreach (var destination in _destinations.Values)
            destination.CloseIdle();
        lock (_wakeupLock)
        {
            _wakeupClosed = true;
            Native.close(_wakeup);
        }
        Native.close(_epoll);
    }

    private void Dispatch(ILoopHandler handler, int fd, uint events)
    {
        try
        {
            handler.OnEvents(fd, events);
        }
        catch (Exception e)
        {
            // A bug must cost one connection, not Pier and every worker it supervises.
            Context.LogFailure($"fast lane: internal error, connection closed: {e}");
            try
            {
                handler.Abort();
            }
            catch (Exception again)
            {
                Context.LogFailure($"fast lane: closing after the error failed too: {again.Message}");
            }
        }
    }

    public void Abort()
    {
    }

    /// <summary>Runs <paramref name="action"/> on the loop's thread.</summary>
    public void Post(Action action)
    {
        lock (_wakeupLock)
        {
            if (_wakeupClosed)
                return;  // the loop has ended: nothing is left for the action to act on
            _posted.Enqueue(action);
            ulong one = 1;
            Native.write(_wakeup, (byte*)&one, sizeof(ulong));
        }
    }

    public void OnEvents(int fd, uint events)
    {
        if (fd == _listener)
        {
            Accept();
            return;
        }
        ulong count;
        Native.read(_wakeup, (byte*)&count, sizeof(ulong));
        while (_posted.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                Context.LogFailure($"fast lane: internal error: {e}");
            }
        }
    }

    /// <summary>
    /// Accepts what is waiting and deals each connection to the loop that holds the fewest: whichever loop
    /// the kernel wakes, kept-alive connections end up shared evenly (left to the kernel, one loop took all of
    /// wrk's 64), and short ones go where the work is done soonest (a loop busy with TLS handshakes holds
    /// more connections half done).
    /// </summary>
    private void Accept()
    {
        var address = stackalloc byte[Native.AddressCapacity];
        for (var accepted = 0; accepted < 16 && !Draining; accepted++)
        {
            var length = Native.AddressCapacity;
            var fd = Native.accept4(_listener, address, &length, Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC);
            if (fd < 0)
            {
                var error = Native.Errno;
                if (error is not (Native.EAGAIN or Native.EINTR or Native.ECONNABORTED))
                {
                    // Out of descriptors (EMFILE, ENFILE) or memory: the listener stays readable, so waiting on it
                    // would spin. Accept again in a second, as nginx does.
                    Context.LogFailure($"fast lane: cannot accept connections: {Marshal.GetPInvokeErrorMessage(error)}; trying again in 1 s");
                    Control(Native.EPOLL_CTL_DEL, _listener, 0);
                    _acceptPausedUntil = Now + SweepMilliseconds;
                }
                return;
            }
            if (address[0] != Native.AF_UNIX)
                Native.SetOption(fd, Native.IPPROTO_TCP, Native.TCP_NODELAY, 1);
            var client = ClientAddress.Parse(new ReadOnlySpan<byte>(address, length));
            var owner = Context.LeastBusy(this);
            Interlocked.Increment(ref owner._connections);
            if (owner == this)
                Adopt(fd, client);
            else
                owner.Post(() => owner.Adopt(fd, client));
        }
    }

    /// <summary>Takes an accepted connection into this loop.</summary>
    private void Adopt(int fd, ClientAddress address)
    {
        if (Draining)
        {
            Interlocked.Decrement(ref _connections);
            Native.close(fd);
            return;
        }
        var client = new ClientConnection(this, fd, address);
        _clients.Add(client);
        Register(fd, client, Native.EPOLLIN | Native.EPOLLRDHUP);
    }

    /// <summary>Client connections and tunnels this loop holds, and connections dealt to it not yet taken in.</summary>
    public int Connections => Volatile.Read(ref _connections);

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

    /// <summary>Client connections still open (tunnels not counted: they are Kestrel's to drain).</summary>
    public int ClientCount => _clients.Count;

    /// <summary>Stops accepting and closes idle connections; the others close after their answer.</summary>
    public void Drain()
    {
        Draining = true;
        if (_listener >= 0)
        {
            Native.epoll_ctl(_epoll, Native.EPOLL_CTL_DEL, _listener, null);
            _handlers[_listener] = null;
            _listener = -1;
        }
        foreach (var client in _clients.ToArray())
            client.CloseIfIdle();
    }

    /// <summary>Ends the loop after this wake-up; whatever is still open is closed.</summary>
    public void Stop() => _stopped = true;

    private void Sweep()
    {
        if (_acceptPausedUntil != 0 && Now >= _acceptPausedUntil && _listener >= 0)
        {
            _acceptPausedUntil = 0;
            Control(Native.EPOLL_CTL_ADD, _listener, Native.EPOLLIN | Native.EPOLLEXCLUSIVE);
        }
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
        // What belonged to workers that left the routing table (their connections close when the worker exits).
        var table = Context.Table;
        if (table == _swept)
            return;
        _swept = table;
        var live = table.Routes.SelectMany(r => r.Destinations).ToHashSet();
        foreach (var (destination, state) in _destinations.Where(d => !live.Contains(d.Key)).ToArray())
        {
            state.CloseIdle();
            _destinations.Remove(destination);
        }
        _routes.Clear();
    }

    /// <summary>What this loop keeps for a destination of <paramref name="service"/>, made on first use.</summary>
    public DestinationState StateOf(Destination destination, string service)
    {
        if (!_destinations.TryGetValue(destination, out var state))
            _destinations[destination] = state = new DestinationState(WorkerAddress.Of(destination), Context.Metrics.Worker(service, destination.WorkerId));
        return state;
    }

    /// <summary>
    /// True when the fast lane can reach every destination of the route itself; a route to an upstream
    /// named by host name or over HTTPS is left to YARP.
    /// </summary>
    public bool CanForward(ServiceRoute route) => Known(route).CanForward;

    /// <summary>A service's request metrics, looked up once per route snapshot.</summary>
    public PierMetrics.ServiceSeries SeriesOf(ServiceRoute route) => Known(route).Series;

    // Called twice a request: the lambda's closure lives in Learn, or it would be allocated at every call.
    private (bool CanForward, PierMetrics.ServiceSeries Series) Known(ServiceRoute route) =>
        _routes.TryGetValue(route, out var known) ? known : Learn(route);

    private (bool CanForward, PierMetrics.ServiceSeries Series) Learn(ServiceRoute route) =>
        _routes[route] = (route.Destinations.All(d => StateOf(d, route.Service).Address is not null), Context.Metrics.Service(route.Service));

    public void ReturnIdle(WorkerConnection connection)
    {
        if (Draining)
        {
            connection.Close();
            return;
        }
        if (_destinations.TryGetValue(connection.Destination, out var state))
            state.ReturnIdle(connection);
        else
            connection.Close();  // its destination left the routing table meanwhile
    }

    public void Register(int fd, ILoopHandler handler, uint events)
    {
        if (fd >= _handlers.Length)
        {
            var size = _handlers.Length;
            while (size <= fd)
                size *= 2;
            Array.Resize(ref _handlers, size);
            Array.Resize(ref _ids, size);
        }
        _handlers[fd] = handler;
        _ids[fd] = ++_nextId;
        Control(Native.EPOLL_CTL_ADD, fd, events);
    }

    /// <summary>Hands a registered descriptor to another handler (a client connection becoming a tunnel).</summary>
    public void Reassign(int fd, ILoopHandler handler) => _handlers[fd] = handler;

    public void Watch(int fd, uint events) => Control(Native.EPOLL_CTL_MOD, fd, events);

    /// <summary>
    /// Takes a descriptor out of the epoll set while it must not be read (its reader waits for the other
    /// side): epoll reports a hang-up even for a descriptor that asks for no events, and would spin.
    /// </summary>
    public void Suspend(int fd) => Control(Native.EPOLL_CTL_DEL, fd, 0);

    /// <summary>Puts a suspended descriptor back, with the handler and id it had.</summary>
    public void Restore(int fd, uint events) => Control(Native.EPOLL_CTL_ADD, fd, events);

    /// <summary>Closes a descriptor and forgets its handler; a late event for it is dropped by its id.</summary>
    public void Close(int fd)
    {
        if (fd < _handlers.Length)
        {
            _handlers[fd] = null;
            _ids[fd] = 0;
        }
        Native.close(fd);
    }

    private void Control(int op, int fd, uint events)
    {
        var e = new Native.EpollEvent { Events = events, Data = (uint)fd | ((ulong)_ids[fd] << 32) };
        Native.epoll_ctl(_epoll, op, fd, &e);
    }

    private static int Check(int result, string call) =>
        result >= 0 ? result : throw new IOException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
}
