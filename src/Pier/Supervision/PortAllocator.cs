using System.Net;
using System.Net.Sockets;

namespace Pier.Supervision;

/// <summary>Finds a free loopback port for a new worker: a fresh one each start, so a restart never waits on a port the old process still holds.</summary>
internal static class PortAllocator
{
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
