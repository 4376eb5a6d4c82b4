using System.Collections.Concurrent;
using System.Net.Security;

namespace Pier.Certificates;

/// <summary>
/// The answers to ACME challenges that are open right now, served by Pier's own listeners: the HTTP
/// listener answers HTTP-01 tokens, the HTTPS listener shows TLS-ALPN-01 certificates to validators.
/// </summary>
internal sealed class ChallengeResponder
{
    public const string Http01Prefix = "/.well-known/acme-challenge/";

    private readonly ConcurrentDictionary<string, string> _http01 = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SslStreamCertificateContext> _tlsAlpn01 = new(StringComparer.OrdinalIgnoreCase);

    public void OpenHttp01(string token, string keyAuthorization) => _http01[token] = keyAuthorization;

    public void CloseHttp01(string token) => _http01.TryRemove(token, out _);

    /// <summary>The key authorization for a token, or null when no such challenge is open.</summary>
    public string? Http01(string token) => _http01.GetValueOrDefault(token);

    public void OpenTlsAlpn01(string domain, string keyAuthorization) =>
        _tlsAlpn01[domain] = TlsAlpnChallengeCertificate.Create(domain, keyAuthorization);

    public void CloseTlsAlpn01(string domain) => _tlsAlpn01.TryRemove(domain, out _);

    /// <summary>The challenge certificate for a name, or null when no such challenge is open.</summary>
    public SslStreamCertificateContext? TlsAlpn01(string domain) => _tlsAlpn01.GetValueOrDefault(domain);
}
