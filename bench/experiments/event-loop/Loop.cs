namespace EventLoopProxy;

/// <summary>One thread, one epoll set, one listening socket (SO_REUSEPORT) and its own pool of
/// upstream connections: a request's two connections never leave the thread that accepted it,
/// which is nginx's shape.</summary>
sealed unsafe class Loop
{
    readonly int epoll;
    readonly int listener;
    readonly Connection?[] byFd = new Connection?[1 << 16];
    readonly Libc.SockAddrIn[] backends;
    readonly Stack<Upstream>[] idle;
    int nextBackend;
    uint nextId;

    public Loop(int port, Libc.SockAddrIn[] backends)
    {
        this.backends = backends;
        idle = backends.Select(_ => new Stack<Upstream>()).ToArray();
        epoll = Check(Libc.epoll_create1(0x80000), "epoll_create1");
        listener = Check(Libc.socket(Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0), "socket");
        Libc.SetOption(listener, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
        Libc.SetOption(listener, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
        var address = Libc.Loopback(port);
        Check(Libc.bind(listener, &address, sizeof(Libc.SockAddrIn)), "bind");
        Check(Libc.listen(listener, 4096), "listen");
        var e = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = (ulong)listener };
        Check(Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, listener, &e), "epoll_ctl");
    }

    public uint NextId() => ++nextId;

    public void Run()
    {
        const int max = 256;
        var events = stackalloc Libc.EpollEvent[max];
        while (true)
        {
            int n = Libc.epoll_wait(epoll, events, max, -1);
            if (n < 0)
            {
                if (Libc.Errno == Libc.EINTR) continue;
                throw new InvalidOperationException($"epoll_wait: errno {Libc.Errno}");
            }
            for (int i = 0; i < n; i++)
            {
                int fd = (int)(uint)events[i].Data;
                if (fd == listener)
                {
                    AcceptAll();
                    continue;
                }
                var connection = byFd[fd];
                if (connection is not null && connection.Id == (uint)(events[i].Data >> 32)) connection.OnEvents(events[i].Events);
            }
        }
    }

    void AcceptAll()
    {
        while (true)
        {
            Libc.SockAddrIn peer;
            int length = sizeof(Libc.SockAddrIn);
            int fd = Libc.accept4(listener, &peer, &length, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0) return;
            Libc.SetOption(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            Add(new Client(this, fd, peer.Address), Libc.EPOLLIN | Libc.EPOLLRDHUP);
        }
    }

    /// <summary>An idle pooled connection to the next backend (round robin), or a new one.</summary>
    public Upstream Lease(out bool reused)
    {
        int backend = nextBackend;
        nextBackend = (nextBackend + 1) % backends.Length;
        var pool = idle[backend];
        while (pool.TryPop(out var pooled))
        {
            if (pooled.Closed) continue;
            reused = true;
            return pooled;
        }
        reused = false;
        return Upstream.Connect(this, backend, backends[backend]);
    }

    public void Return(Upstream upstream) => idle[upstream.Backend].Push(upstream);

    public void Add(Connection connection, uint events)
    {
        byFd[connection.Fd] = connection;
        var e = new Libc.EpollEvent { Events = events, Data = (ulong)(uint)connection.Fd | ((ulong)connection.Id << 32) };
        Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, connection.Fd, &e);
    }

    public void Watch(Connection connection, uint events)
    {
        var e = new Libc.EpollEvent { Events = events, Data = (ulong)(uint)connection.Fd | ((ulong)connection.Id << 32) };
        Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_MOD, connection.Fd, &e);
    }

    public void Forget(Connection connection)
    {
        if (byFd[connection.Fd] == connection) byFd[connection.Fd] = null;
    }

    static int Check(int result, string call) =>
        result >= 0 ? result : throw new InvalidOperationException($"{call}: errno {Libc.Errno}");
}
