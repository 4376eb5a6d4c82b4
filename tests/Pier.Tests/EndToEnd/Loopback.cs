using System.Net;
using System.Net.Sockets;

namespace Pier.Tests.EndToEnd;

/// <summary>Loopback ports and clients for tests: all traffic stays on 127.0.0.1.</summary>
internal static class Loopback
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static HttpClient Client(int port, TimeSpan? timeout = null) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromSeconds(2),
    })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
    };
}
