using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Pier.Certificates;
using Pier.Configuration;
using Pier.Hosting;
using Pier.Routing;
using Pier.Tests.EndToEnd;

namespace Pier.Tests.Certificates;

/// <summary>
/// The front door's HTTPS listener on loopback, with Pier's internal CA and an open TLS-ALPN-01 challenge: the fast lane
/// terminates TLS and leaves ACME validators' hellos, and every hello while there is no certificate, to Kestrel.
/// </summary>
public sealed class CertificateSelectorTests : IAsyncLifetime
{
    private readonly TestDirectory _dir = new();
    private readonly int _httpsPort = Loopback.FreePort();
    private CertificateManager _certificates = null!;
    private FrontDoor _frontDoor = null!;

    public async Task InitializeAsync()
    {
        var config = new HttpsConfig(["a.pier.test", "b.pier.test"], null, HttpsConfig.Internal, null, null, null, null);
        _certificates = new CertificateManager(config, _dir.Path, (_, _) => { }, TimeProvider.System);
        _frontDoor = new FrontDoor(new ListenConfig("127.0.0.1", Loopback.FreePort(), "127.0.0.1", _httpsPort), new LiveRoutes(), new Pier.Resources.PierMetrics(), new Pier.Supervision.WorkerSockets("selector-test", _dir.Path), _ => { }, _certificates, Path.Combine(_dir.Path, "front-door.sock"));
        await _frontDoor.StartAsync(CancellationToken.None);
        _certificates.Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (_certificates.Store.Current is null && clock.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(50);
    }

    [Fact]
    public async Task AcmeTlsClient_DuringAnOpenChallenge_GetsTheChallengeCertificate_AnH2ClientTheRealOne()
    {
        _certificates.Challenges.OpenTlsAlpn01("a.pier.test", "token.thumbprint");

        var (validatorCertificate, validatorProtocol) = await HandshakeAsync("a.pier.test", "acme-tls/1");
        var (browserCertificate, browserProtocol) = await HandshakeAsync("a.pier.test", "h2", "http/1.1");

        Assert.NotNull(validatorCertificate.Extensions[TlsAlpnChallengeCertificate.AcmeIdentifierOid]);
        Assert.Equal("acme-tls/1", validatorProtocol);
        Assert.Null(browserCertificate.Extensions[TlsAlpnChallengeCertificate.AcmeIdentifierOid]);
        Assert.Equal(_certificates.Store.Current!.Serial, browserCertificate.SerialNumber);
        Assert.Equal("h2", browserProtocol);
    }

    [Fact]
    public async Task ChallengeClosed_AcmeTlsOfferForAnotherName_GetsTheRealCertificate()
    {
        _certificates.Challenges.OpenTlsAlpn01("a.pier.test", "token.thumbprint");
        _certificates.Challenges.CloseTlsAlpn01("a.pier.test");

        var (certificate, protocol) = await HandshakeAsync("b.pier.test", "h2", "acme-tls/1");

        Assert.Equal(_certificates.Store.Current!.Serial, certificate.SerialNumber);
        Assert.Equal("h2", protocol);
    }

    [Fact]
    public async Task NoCertificateYet_HttpsHandshakesAreRefused_ButHttp01ChallengesAreServed()
    {
        using var dir = new TestDirectory();
        // An ACME server that is not there: Pier keeps trying in the background and has no certificate meanwhile.
        var config = new HttpsConfig(["a.pier.test"], null, $"https://127.0.0.1:{Loopback.FreePort()}/dir", null, null, null, HttpsConfig.DefaultHsts);
        await using var certificates = new CertificateManager(config, dir.Path, (_, _) => { }, TimeProvider.System);
        var (http, https) = (Loopback.FreePort(), Loopback.FreePort());
        await using var frontDoor = new FrontDoor(new ListenConfig("127.0.0.1", http, "127.0.0.1", https), new LiveRoutes(), new Pier.Resources.PierMetrics(), new Pier.Supervision.WorkerSockets("selector-test", dir.Path), _ => { }, certificates, Path.Combine(dir.Path, "front-door.sock"));
        await frontDoor.StartAsync(CancellationToken.None);
        certificates.Start();
        certificates.Challenges.OpenHttp01("tok-123", "tok-123.thumb");

        using var plain = Loopback.Client(http);
        using var answer = await plain.GetAsync("/.well-known/acme-challenge/tok-123");
        Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("tok-123.thumb", await answer.Content.ReadAsStringAsync());

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, https);
        using var ssl = new SslStream(client.GetStream());
        await Assert.ThrowsAnyAsync<Exception>(() => ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "a.pier.test",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }));
        await frontDoor.StopAsync(TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData(System.Security.Authentication.SslProtocols.Tls12)]
    [InlineData(System.Security.Authentication.SslProtocols.Tls13)]
    public async Task Tls12AndTls13_AreBothServed(System.Security.Authentication.SslProtocols protocol)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _httpsPort);
        using var ssl = new SslStream(client.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "a.pier.test",
            EnabledSslProtocols = protocol,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });

        Assert.Equal(protocol, ssl.SslProtocol);
    }

    private async Task<(X509Certificate2 Certificate, string Protocol)> HandshakeAsync(string name, params string[] protocols)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _httpsPort);
        using var ssl = new SslStream(client.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = name,
            ApplicationProtocols = protocols.Select(p => new SslApplicationProtocol(p)).ToList(),
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        return (new X509Certificate2(ssl.RemoteCertificate!), ssl.NegotiatedApplicationProtocol.ToString());
    }

    public async Task DisposeAsync()
    {
        await _frontDoor.StopAsync(TimeSpan.FromSeconds(1));
        await _frontDoor.DisposeAsync();
        await _certificates.DisposeAsync();
        _dir.Dispose();
    }
}
