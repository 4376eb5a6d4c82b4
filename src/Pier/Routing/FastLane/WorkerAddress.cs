using System.Net;
using System.Net.Sockets;
using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>The socket address of a worker (loopback port or Unix socket) or of a <c>url:</c> upstream given by IP.</summary>
internal sealed class WorkerAddress
{
    private WorkerAddress(int family, byte[] sockaddr)
    {
        Family = family;
        Sockaddr = sockaddr;
    }

    public int Family { get; }

    public byte[] Sockaddr { get; }

    /// <summary>
    /// Null for what the fast lane leaves to YARP: an upstream named by a host name (DNS) or over HTTPS.
    /// </summary>
    public static WorkerAddress? Of(Destination destination)
    {
        if (destination.SocketPath is { } path)
            return ForSocket(path);
        if (!Uri.TryCreate(destination.Prefix, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || !IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip))
            return null;
        return new WorkerAddress(ip.AddressFamily == AddressFamily.InterNetworkV6 ? Native.AF_INET6 : Native.AF_INET,
            Serialize(new IPEndPoint(ip, uri.Port)));
    }

    /// <summary>
    /// Starts a non-blocking connection: the socket, and whether connect(2) finished at once; -1 with the
    /// errno when it failed at once (a Unix socket whose backlog is full says EAGAIN: as good as refused).
    /// </summary>
    public unsafe int Connect(out bool connected, out int error)
    {
        connected = false;
        error = 0;
        var fd = Native.StreamSocket(Family);
        if (fd < 0)
        {
            error = Native.Errno;
            return -1;
        }
        if (Family != Native.AF_UNIX)
            Native.SetOption(fd, Native.IPPROTO_TCP, Native.TCP_NODELAY, 1);
        int result;
        fixed (byte* sockaddr = Sockaddr)
            result = Native.connect(fd, sockaddr, Sockaddr.Length);
        if (result < 0 && Native.Errno != Native.EINPROGRESS)
        {
            error = Native.Errno;
            Native.close(fd);
            return -1;
        }
        connected = result == 0;
        return fd;
    }

    public static WorkerAddress ForSocket(string path) => new(Native.AF_UNIX, Serialize(new UnixDomainSocketEndPoint(path)));

    private static byte[] Serialize(EndPoint endPoint)
    {
        var address = endPoint.Serialize();
        return address.Buffer[..address.Size].ToArray();
    }
}
