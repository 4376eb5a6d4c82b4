using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EventLoopProxy;

/// <summary>A keep-alive connection to a backend, owned by one client's request at a time and
/// pooled by its loop in between. It stays registered for reading while pooled, so a request costs
/// no epoll_ctl; a pooled connection that becomes readable was closed by the backend.</summary>
sealed unsafe class Upstream : Connection
{
    const int Capacity = 16384;

    public readonly int Backend;
    readonly byte[] bufferArray = GC.AllocateArray<byte>(Capacity, pinned: true);
    readonly byte* buffer;
    bool connected, failed, headParsed, headRequest, reusable, watchingWrite;
    Client? owner;
    byte* unsent;
    int unsentLength, length;
    long remaining;

    Upstream(Loop loop, int fd, int backend) : base(loop, fd)
    {
        Backend = backend;
        buffer = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(bufferArray));
    }

    public static Upstream Connect(Loop loop, int backend, Libc.SockAddrIn address)
    {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new InvalidOperationException($"socket: errno {Libc.Errno}");
        Libc.SetOption(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
        var upstream = new Upstream(loop, fd, backend);
        int result = Libc.connect(fd, &address, sizeof(Libc.SockAddrIn));
        upstream.connected = result == 0;
        upstream.failed = result < 0 && Libc.Errno != Libc.EINPROGRESS;
        loop.Add(upstream, upstream.connected ? Libc.EPOLLIN | Libc.EPOLLRDHUP : Libc.EPOLLOUT);
        return upstream;
    }

    public void Begin(Client client, byte* request, int count, bool head)
    {
        owner = client;
        headRequest = head;
        headParsed = false;
        length = 0;
        unsent = request;
        unsentLength = count;
        if (failed) Fail();
        else if (connected) Send();
    }

    public override void OnEvents(uint events)
    {
        if (!connected)
        {
            int error = 0, size = sizeof(int);
            Libc.getsockopt(Fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &size);
            if (error != 0) { Fail(); return; }
            connected = true;
            Loop.Watch(this, Libc.EPOLLIN | Libc.EPOLLRDHUP);
            Send();
            return;
        }
        if ((events & Libc.EPOLLOUT) != 0) Send();
        if (!Closed && (events & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0) Read();
    }

    void Send()
    {
        if (unsentLength == 0 || owner is null) return;
        nint n = Libc.send(Fd, unsent, unsentLength, Libc.MSG_NOSIGNAL);
        if (n < 0)
        {
            if (Libc.Errno == Libc.EAGAIN) WatchWrite(true);
            else Fail();
            return;
        }
        unsent += n;
        unsentLength -= (int)n;
        WatchWrite(unsentLength > 0);
    }

    void WatchWrite(bool on)
    {
        if (on == watchingWrite) return;
        watchingWrite = on;
        Loop.Watch(this, Libc.EPOLLIN | Libc.EPOLLRDHUP | (on ? Libc.EPOLLOUT : 0));
    }

    void Read()
    {
        if (owner is null) { Close(); return; }
        nint n = Libc.recv(Fd, buffer + length, Capacity - length, 0);
        if (n <= 0)
        {
            if (n < 0 && Libc.Errno == Libc.EAGAIN) return;
            Fail();
            return;
        }
        length += (int)n;
        if (!headParsed)
        {
            var received = new ReadOnlySpan<byte>(buffer, length);
            int at = received.IndexOf("\r\n\r\n"u8);
            if (at < 0)
            {
                if (length == Capacity) Fail();
                return;
            }
            if (!ResponseHead.Parse(received[..(at + 4)], headRequest, out long body, out reusable)) { Fail(); return; }
            headParsed = true;
            remaining = at + 4 + body - length;
        }
        else remaining -= n;
        if (remaining < 0) { Fail(); return; }
        if (owner.Deliver(bufferArray, buffer, length)) Delivered();
        else if (!Closed) Loop.Watch(this, 0);
    }

    /// <summary>The client's socket took the rest of what was read.</summary>
    public void Resume()
    {
        Loop.Watch(this, Libc.EPOLLIN | Libc.EPOLLRDHUP);
        Delivered();
    }

    void Delivered()
    {
        length = 0;
        if (remaining > 0) return;
        var client = owner!;
        owner = null;
        if (reusable) Loop.Return(this);
        else Close();
        client.Completed();
    }

    void Fail()
    {
        var client = owner;
        owner = null;
        Close();
        client?.UpstreamFailed();
    }

    /// <summary>The client went away mid-request: the answer on this connection would be a stray.</summary>
    public void Abandon()
    {
        owner = null;
        Close();
    }
}
