using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Pier.Routing.FastLane;

/// <summary>
/// The line a <see cref="KestrelTunnel"/> sends before the client's bytes, and the Kestrel connection
/// middleware that reads it: Kestrel then sees the client's address, not the fast lane's socket, so
/// X-Forwarded-For and the logs say who asked. The socket is in Pier's private state directory, so only
/// Pier's own process writes preambles.
/// </summary>
internal static class TunnelPreamble
{
    private const string Prefix = "PIER-CLIENT ";
    private const int MaxLength = 80;

    public static string Format(IPAddress address, int port) => $"{Prefix}{address} {port}\r\n";

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(connection.ConnectionClosed);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var client = Parse(Encoding.ASCII.GetString(buffer.Slice(0, end).ToArray()));
                input.AdvanceTo(buffer.GetPosition(1, end));
                if (client is null)
                {
                    connection.Abort();
                    return;
                }
                connection.RemoteEndPoint = client;
                break;
            }
            if (result.IsCompleted || buffer.Length > MaxLength)
            {
                connection.Abort();
                return;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
        await next(connection);
    };

    /// <summary>The client's address from a preamble line ("PIER-CLIENT 127.0.0.1 50412\r"), or null.</summary>
    public static IPEndPoint? Parse(string line)
    {
        var parts = line.TrimEnd('\r').Split(' ');
        return parts.Length == 3 && parts[0] == Prefix.Trim() && IPAddress.TryParse(parts[1], out var address)
            && int.TryParse(parts[2], out var port) && port is >= 0 and <= 65535
            ? new IPEndPoint(address, port)
            : null;
    }
}
