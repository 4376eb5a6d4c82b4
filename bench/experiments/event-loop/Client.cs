using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EventLoopProxy;

/// <summary>A connection from a client: reads request heads, forwards each to a leased upstream
/// connection, and writes the answer back; one request at a time, pipelined ones wait in the buffer.</summary>
sealed unsafe class Client : Connection
{
    const int InputCapacity = 8192, OutputCapacity = InputCapacity + 512;
    static readonly byte[][] Canned = new byte[600][];

    readonly byte[] inputArray = GC.AllocateArray<byte>(InputCapacity, pinned: true);
    readonly byte[] outputArray = GC.AllocateArray<byte>(OutputCapacity, pinned: true);
    readonly byte* input, output;
    readonly byte[] forwardedFor;
    int start, end, requestLength, attempts;
    RequestHead.Info request;
    Upstream? upstream;
    bool reused, delivered, readPaused;
    byte[]? pendingArray;
    byte* pending;
    int pendingLength;

    public Client(Loop loop, int fd, uint address) : base(loop, fd)
    {
        input = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(inputArray));
        output = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(outputArray));
        forwardedFor = System.Text.Encoding.ASCII.GetBytes(
            $"{address & 0xFF}.{(address >> 8) & 0xFF}.{(address >> 16) & 0xFF}.{address >> 24}");
    }

    public override void OnEvents(uint events)
    {
        if ((events & Libc.EPOLLOUT) != 0) Flush();
        if (!Closed && (events & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0) Read();
    }

    void Read()
    {
        if (end == InputCapacity)
        {
            if (upstream is null) { Reject(431); return; }
            readPaused = true;
            Loop.Watch(this, pendingLength > 0 ? Libc.EPOLLOUT : 0);
            return;
        }
        nint n = Libc.recv(Fd, input + end, InputCapacity - end, 0);
        if (n > 0)
        {
            end += (int)n;
            Dispatch();
        }
        else if (n == 0 || Libc.Errno != Libc.EAGAIN) Close();
    }

    void Dispatch()
    {
        while (upstream is null && !Closed)
        {
            if (start == end) { start = end = 0; return; }
            var buffered = new ReadOnlySpan<byte>(input + start, end - start);
            int at = buffered.IndexOf("\r\n\r\n"u8);
            if (at < 0)
            {
                if (start > 0)
                {
                    buffered.CopyTo(new Span<byte>(input, InputCapacity));
                    end -= start;
                    start = 0;
                }
                if (end == InputCapacity) Reject(431);
                return;
            }
            requestLength = RequestHead.Rewrite(buffered[..(at + 4)], forwardedFor, new Span<byte>(output, OutputCapacity), out request);
            start += at + 4;
            if (requestLength < 0) { Reject(request.Status); return; }
            attempts = 0;
            Forward();
        }
    }

    void Forward()
    {
        attempts++;
        delivered = false;
        upstream = Loop.Lease(out reused);
        upstream.Begin(this, output, requestLength, request.Head);
    }

    /// <summary>Bytes of the answer, straight from the upstream's buffer. False when the socket took
    /// only part of them: the rest is sent when it is writable, and the upstream waits.</summary>
    public bool Deliver(byte[] array, byte* bytes, int count)
    {
        delivered = true;
        nint n = Libc.send(Fd, bytes, count, Libc.MSG_NOSIGNAL);
        if (n == count) return true;
        if (n < 0 && Libc.Errno != Libc.EAGAIN) { Close(); return false; }
        int sent = n < 0 ? 0 : (int)n;
        pendingArray = array;
        pending = bytes + sent;
        pendingLength = count - sent;
        Loop.Watch(this, readPaused ? Libc.EPOLLOUT : Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLOUT);
        return false;
    }

    void Flush()
    {
        if (pendingLength == 0) return;
        nint n = Libc.send(Fd, pending, pendingLength, Libc.MSG_NOSIGNAL);
        if (n < 0)
        {
            if (Libc.Errno != Libc.EAGAIN) Close();
            return;
        }
        pending += n;
        pendingLength -= (int)n;
        if (pendingLength > 0) return;
        pendingArray = null;
        Loop.Watch(this, readPaused ? 0 : Libc.EPOLLIN | Libc.EPOLLRDHUP);
        upstream?.Resume();
    }

    public void Completed()
    {
        upstream = null;
        if (request.Close) { Close(); return; }
        if (readPaused)
        {
            readPaused = false;
            Loop.Watch(this, Libc.EPOLLIN | Libc.EPOLLRDHUP);
        }
        Dispatch();
    }

    /// <summary>The upstream connection broke. A request that reached a pooled connection the
    /// backend had just closed is sent again on another, if it is idempotent and nothing was answered.</summary>
    public void UpstreamFailed()
    {
        upstream = null;
        if (delivered) Close();
        else if (request.Idempotent && reused && attempts < 3) Forward();
        else Reject(502);
    }

    void Reject(int status)
    {
        var answer = Canned[status] ??= System.Text.Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        fixed (byte* bytes = answer) Libc.send(Fd, bytes, answer.Length, Libc.MSG_NOSIGNAL);
        Close();
    }

    static string Reason(int status) => status switch
    {
        400 => "Bad Request",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };

    protected override void OnClosed()
    {
        var abandoned = upstream;
        upstream = null;
        abandoned?.Abandon();
    }
}
