using System.Text;
using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// A client connection that the fast lane passed to Kestrel (a body, an upgrade, HTTP/1.0 or 2, a head
/// Kestrel must refuse…): bytes are copied both ways between the client and Kestrel's internal socket,
/// after one preamble line that tells Kestrel who the client is (<see cref="TunnelPreamble"/>). Kestrel
/// owns the HTTP from here on, timeouts included; the tunnel ends when either side closes. A client whose
/// TLS the loop terminated is read and written through OpenSSL, and Kestrel gets the decrypted stream; a
/// TLS hello the loop leaves alone goes to Kestrel's TLS socket as it came.
/// </summary>
internal sealed class KestrelTunnel : ILoopHandler
{
    private const uint Reading = Native.EPOLLIN | Native.EPOLLRDHUP;

    private readonly EventLoop _loop;
    private readonly Side _client;
    private readonly Side _kestrel;
    private bool _closed;

    private KestrelTunnel(EventLoop loop, SocketStream client, int kestrelFd)
    {
        _loop = loop;
        _client = new Side(client);
        _kestrel = new Side(new SocketStream(kestrelFd));
    }

    /// <summary>
    /// Connects to Kestrel and sends it the preamble and what the client sent so far; null when Kestrel's
    /// socket cannot be reached (the client connection is then closed by the caller).
    /// </summary>
    public static KestrelTunnel? Open(EventLoop loop, SocketStream client, WorkerAddress kestrel, string preamble, ReadOnlySpan<byte> buffered)
    {
        var fd = kestrel.Connect(out _, out _);
        if (fd < 0)
            return null;
        var tunnel = new KestrelTunnel(loop, client, fd);
        var up = tunnel._client.Buffer;
        var length = Encoding.ASCII.GetBytes(preamble, up);
        buffered.CopyTo(up.AsSpan(length));
        tunnel._client.Count = length + buffered.Length;
        // Pump sets the client's interest anew, edge-triggered no more if it waited for a hello.
        loop.Reactor.Reassign(client.Fd, tunnel);
        loop.Reactor.Register(fd, tunnel, Reading | Native.EPOLLOUT);
        loop.Add(tunnel);
        tunnel.Pump();
        return tunnel;
    }

    public void OnEvents(int fd, uint events)
    {
        if (_closed)
            return;
        var side = fd == _client.Stream.Fd ? _client : _kestrel;
        if ((events & Native.EPOLLERR) != 0 || (side == _client && (events & Native.EPOLLHUP) != 0))
        {
            Close();  // reset, or a client gone both ways: nothing can reach it any more
            return;
        }
        if ((events & (Reading | Native.EPOLLHUP)) != 0 || (side.Stream.ReadWantsWrite && (events & Native.EPOLLOUT) != 0))
            side.Readable = true;
        Pump();
    }

    /// <summary>Moves what each side has read to the other, reading again once a side's buffer is empty.</summary>
    private void Pump()
    {
        if (!Move(_client, _kestrel) || !Move(_kestrel, _client))
        {
            Close();
            return;
        }
        // Kestrel closing ends the connection once the client has all it sent (Connection: close, a 400,
        // its keep-alive timeout, its shutdown).
        if (_kestrel.Ended && _kestrel.Count == 0)
        {
            Close();
            return;
        }
        Watch(_client, _kestrel);
        Watch(_kestrel, _client);
    }

    /// <summary>Reads from <paramref name="from"/> and writes to <paramref name="to"/>; false when the tunnel is broken.</summary>
    private static bool Move(Side from, Side to)
    {
        while (true)
        {
            if (from.Count > 0)
            {
                var sent = to.Stream.Send(from.Buffer, from.Offset, from.Count);
                if (sent < 0)
                    return sent == SocketStream.WouldBlock;
                from.Offset += (int)sent;
                from.Count -= (int)sent;
                if (from.Count > 0)
                    return true;
                from.Offset = 0;
            }
            if (from.Ended)
            {
                if (!to.WriteShut)
                {
                    to.WriteShut = true;
                    to.Stream.ShutdownWrite();
                }
                return true;
            }
            if (!from.Readable)
                return true;
            var read = from.Stream.Receive(from.Buffer, 0, FrontDoorLimits.TunnelBytes);
            if (read > 0)
            {
                from.Count = (int)read;
                continue;
            }
            if (read == SocketStream.WouldBlock)
            {
                from.Readable = false;
                return true;
            }
            if (read < 0)
                return false;
            from.Ended = true;
        }
    }

    private void Watch(Side side, Side other)
    {
        var interest = (side.Ended || side.Count > 0 ? 0 : Reading) | (other.Count > 0 || side.Stream.ReadWantsWrite ? Native.EPOLLOUT : 0);
        if (interest == side.Interest)
            return;
        // A socket that asks for nothing still reports a hang-up, and would wake the loop in a spin:
        // it leaves the epoll set until it is wanted again.
        if (interest == 0)
            _loop.Reactor.Suspend(side.Stream.Fd);
        else if (side.Interest == 0)
            _loop.Reactor.Restore(side.Stream.Fd, interest);
        else
            _loop.Reactor.Watch(side.Stream.Fd, interest);
        side.Interest = interest;
    }

    public void Abort() => Close();

    public void Close()
    {
        if (_closed)
            return;
        _closed = true;
        _loop.Forget(this);
        _client.Stream.Release(notify: true);
        _loop.Reactor.Close(_client.Stream.Fd);
        _loop.Reactor.Close(_kestrel.Stream.Fd);
    }

    /// <summary>One socket of the tunnel and the bytes read from it that the other has not taken yet.</summary>
    private sealed class Side(SocketStream stream)
    {
        public readonly SocketStream Stream = stream;
        public readonly byte[] Buffer = new byte[FrontDoorLimits.TunnelBytes];
        public int Offset, Count;
        public bool Readable = true, Ended, WriteShut;
        public uint Interest = uint.MaxValue;
    }
}
