using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Pier.Certificates;

/// <summary>
/// Picks what a TLS handshake gets: an ACME validator offering <c>acme-tls/1</c> for a name with an
/// open challenge gets the challenge certificate; everyone else gets the current certificate with
/// HTTP/2 and HTTP/1.1. TLS 1.2 and 1.3 only; the suites are OpenSSL's, as <see cref="OpenSslDefaults"/> sets them.
/// </summary>
internal sealed class CertificateSelector(CertificateStore store, ChallengeResponder challenges)
{
    private static readonly List<SslApplicationProtocol> HttpProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> AcmeTls = [new(AcmeTlsAlpnDetector.Protocol)];

    public ValueTask<SslServerAuthenticationOptions> SelectAsync(TlsHandshakeCallbackContext context)
    {
        var name = context.ClientHelloInfo.ServerName;
        if (AcmeTlsAlpnDetector.OffersAcmeTls(context.Connection) && name is not null && challenges.TlsAlpn01(name) is { } challenge)
            return ValueTask.FromResult(Options(challenge, AcmeTls));

        // No certificate yet: refuse the handshake rather than show a made-up one; HTTP still serves challenges.
        var current = store.Current ?? throw new AuthenticationException("no certificate yet; Pier is still getting one");
        return ValueTask.FromResult(Options(current.Context, HttpProtocols));
    }

    private static SslServerAuthenticationOptions Options(SslStreamCertificateContext certificate, List<SslApplicationProtocol> protocols) => new()
    {
        ServerCertificateContext = certificate,
        ApplicationProtocols = protocols,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
    };
}
