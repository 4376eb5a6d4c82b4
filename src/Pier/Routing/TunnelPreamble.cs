using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Pier.Routing;

/// <summary>
/// The line the fast lane's <c>KestrelTunnel</c> sends before the client's bytes, and the Kestrel connection
/// middleware that reads it: Kestrel then sees the client's address, not the fast lane's socket, so
/// X-Forwarded-For and the logs say who asked; and for a connection whose TLS the fast lane terminated,
/// that it came over HTTPS and which protocol ALPN chose, so Kestrel serves it as HTTPS (scheme, HSTS,
/// HTTP/2). The socket is in Pier's private state directory, so only Pier's own process writes preambles.
/// </summary>
internal static class TunnelPreamble
{
    private const string Prefix = "PIER-CLIENT ";
    private const string Https = "https";
    private const int MaxLength = 100;

    /// <summary>What a preamble says of the client.</summary>
    /// <param name="Protocol">With <paramref name="Https"/>: the ALPN protocol chosen, or null.</param>
    internal sealed record Client(IPEndPoint EndPoint, bool Https, string? Protocol);

    public static string Format(IPAddress address, int port, bool https = false, string? protocol = null) =>
        $"{Prefix}{address} {port}{(https ? $" {Https}" : "")}{(https && protocol is not null ? $" {protocol}" : "")}\r\n";

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
                connection.RemoteEndPoint = client.EndPoint;
                if (client.Https)
                {
                    // Kestrel takes a connection with a TLS feature for HTTPS, and picks HTTP/2 from the ALPN feature.
                    var tls = new TerminatedTls(client.Protocol);
                    connection.Features.Set<ITlsConnectionFeature>(tls);
                    connection.Features.Set<ITlsApplicationProtocolFeature>(tls);
                }
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

    /// <summary>The client from a preamble line ("PIER-CLIENT 127.0.0.1 50412 https h2\r"), or null.</summary>
    public static Client? Parse(string line)
    {
        var parts = line.TrimEnd('\r').Split(' ');
        if (parts.Length is < 3 or > 5 || parts[0] != Prefix.Trim() || !IPAddress.TryParse(parts[1], out var address)
            || !int.TryParse(parts[2], out var port) || port is < 0 or > 65535 || (parts.Length > 3 && parts[3] != Https))
            return null;
        return new Client(new IPEndPoint(address, port), parts.Length > 3, parts.Length > 4 ? parts[4] : null);
    }

    /// <summary>TLS that the fast lane terminated: no client certificate (Pier asks for none), and the ALPN choice.</summary>
    private sealed class TerminatedTls(string? protocol) : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }

        public ReadOnlyMemory<byte> ApplicationProtocol { get; } = protocol is null ? default : Encoding.ASCII.GetBytes(protocol);

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
