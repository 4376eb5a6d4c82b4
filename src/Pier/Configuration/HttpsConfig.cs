namespace Pier.Configuration;

/// <summary>HTTPS on the front door: which names, and where their certificates come from.</summary>
/// <param name="Ca">letsencrypt, letsencrypt-staging, internal, or an ACME directory URL.</param>
/// <param name="CaRoot">An extra trusted root for a private ACME server.</param>
/// <param name="CertificateFile">With <paramref name="KeyFile"/>: PEM files managed elsewhere (certbot, cert-manager), watched.</param>
/// <param name="Hsts">Strict-Transport-Security max-age; null when turned off.</param>
internal sealed record HttpsConfig(
    IReadOnlyList<string> Domains,
    string? Email,
    string Ca,
    string? CaRoot,
    string? CertificateFile,
    string? KeyFile,
    TimeSpan? Hsts);
