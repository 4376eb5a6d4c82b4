using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Pier.Certificates;

namespace Pier.Tests.Certificates;

public sealed class AcmeTlsAlpnDetectorTests
{
    [Theory]
    [InlineData(new[] { "acme-tls/1" }, true)]
    [InlineData(new[] { "h2", "acme-tls/1" }, true)]
    [InlineData(new[] { "h2", "http/1.1" }, false)]
    [InlineData(new string[0], false)]
    public async Task OffersProtocol_ReadsTheAlpnListOfARealClientHello(string[] protocols, bool expected)
    {
        var hello = await ClientHelloAsync(protocols);

        Assert.Equal(expected, AcmeTlsAlpnDetector.OffersProtocol(hello, AcmeTlsAlpnDetector.Protocol));
    }

    [Fact]
    public async Task OffersProtocol_TruncatedOrForeignBytes_IsFalse()
    {
        var hello = await ClientHelloAsync(["acme-tls/1"]);

        Assert.False(AcmeTlsAlpnDetector.OffersProtocol(hello.AsSpan(0, 60), AcmeTlsAlpnDetector.Protocol));
        Assert.False(AcmeTlsAlpnDetector.OffersProtocol("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8, AcmeTlsAlpnDetector.Protocol));
        Assert.False(AcmeTlsAlpnDetector.OffersProtocol([], AcmeTlsAlpnDetector.Protocol));
    }

    /// <summary>The first TLS record .NET's client sends, captured on a loopback socket.</summary>
    private static async Task<byte[]> ClientHelloAsync(string[] protocols)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        using var ssl = new SslStream(client.GetStream());
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "a.pier.test",
            ApplicationProtocols = protocols.Select(p => new SslApplicationProtocol(p)).ToList(),
        });

        var stream = server.GetStream();
        stream.ReadTimeout = 5000;
        var header = new byte[5];
        await stream.ReadExactlyAsync(header);
        var record = new byte[5 + (header[3] << 8 | header[4])];
        header.CopyTo(record, 0);
        await stream.ReadExactlyAsync(record.AsMemory(5));
        server.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        return record;
    }
}
