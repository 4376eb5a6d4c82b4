using System.Buffers.Binary;
using System.Net;
using System.Text;
using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>Where a client connected from, as X-Forwarded-For and Kestrel's tunnel preamble need it.</summary>
internal sealed class ClientAddress(IPAddress address, int port)
{
    public IPAddress Address { get; } = address;

    public int Port { get; } = port;

    /// <summary>The address as X-Forwarded-For carries it: IPv4 clients of a dual-stack listener as IPv4.</summary>
    public byte[] Forwarded { get; } = Encoding.ASCII.GetBytes(address.ToString());

    /// <summary>A sockaddr_in or sockaddr_in6 as accept(2) fills it.</summary>
    public static ClientAddress Parse(ReadOnlySpan<byte> sockaddr)
    {
        var family = BinaryPrimitives.ReadUInt16LittleEndian(sockaddr);
        var port = sockaddr.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]) : 0;
        if (family == Native.AF_INET && sockaddr.Length >= 8)
            return new ClientAddress(new IPAddress(sockaddr[4..8]), port);
        if (family == Native.AF_INET6 && sockaddr.Length >= 24)
        {
            var address = new IPAddress(sockaddr[8..24]);
            return new ClientAddress(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port);
        }
        return new ClientAddress(IPAddress.Loopback, 0);
    }
}
