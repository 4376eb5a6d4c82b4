using System.Net;
using System.Net.Sockets;

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

    public static WorkerAddress ForSocket(string path) => new(Native.AF_UNIX, Serialize(new UnixDomainSocketEndPoint(path)));

    private static byte[] Serialize(EndPoint endPoint)
    {
        var address = endPoint.Serialize();
        return address.Buffer[..address.Size].ToArray();
    }
}
