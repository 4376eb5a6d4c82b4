namespace Pier.Configuration;

/// <summary>HTTPS on the front door: which names, and where their certificates come from.</summary>
/// <param name="Ca">letsencrypt, letsencrypt-staging, internal, or an ACME directory URL.</param>
/// <param name="CaRoot">An extra trusted root for a private ACME server.</param>
/// <param name="CertificateFile">With <paramref name="KeyFile"/>: PEM files managed elsewhere (certbot, cert-manager), watched.</param>
/// <param name="Hsts">Strict-Transport-Security max-age; null when turned off.</param>
/// <param name="Challenge">http-01 or tls-alpn-01; null picks http-01 (Pier always has an HTTP listener).</param>
internal sealed record HttpsConfig(
    IReadOnlyList<string> Domains,
    string? Email,
    string Ca,
    string? CaRoot,
    string? CertificateFile,
    string? KeyFile,
    TimeSpan? Hsts,
    string? Challenge = null)
{
    public const string LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory";
    public const string LetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory";
    public const string Internal = "internal";
    public const string Http01 = "http-01";
    public const string TlsAlpn01 = "tls-alpn-01";

    public static readonly TimeSpan DefaultHsts = TimeSpan.FromDays(365);

    /// <summary>True when certificates come from PEM files rather than from a CA Pier talks to.</summary>
    public bool UsesFiles => CertificateFile is not null;

    /// <summary>The ACME directory URL, or null for the internal CA and for files.</summary>
    public Uri? AcmeDirectoryUrl => UsesFiles || Ca == Internal ? null : Ca switch
    {
        "letsencrypt" => new Uri(LetsEncrypt),
        "letsencrypt-staging" => new Uri(LetsEncryptStaging),
        _ => new Uri(Ca),
    };
}
