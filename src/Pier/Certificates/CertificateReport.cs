namespace Pier.Certificates;

/// <summary>One line of `pier certs`: a configured name and the certificate that serves it.</summary>
/// <param name="Source">acme, internal or file.</param>
/// <param name="NotAfter">Null while Pier has no certificate for the name yet.</param>
/// <param name="NextRenewal">Null for files, which are renewed elsewhere.</param>
/// <param name="LastError">The last failure to get or load a certificate; null after a success.</param>
internal sealed record CertificateReport(
    string Domain,
    CertificateSource Source,
    string? Issuer,
    string? Serial,
    DateTimeOffset? NotAfter,
    double? DaysLeft,
    DateTimeOffset? NextRenewal,
    string? LastError);
