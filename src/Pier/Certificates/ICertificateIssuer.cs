namespace Pier.Certificates;

/// <summary>Something that issues certificates for names: an ACME CA or Pier's local CA.</summary>
internal interface ICertificateIssuer
{
    CertificateSource Source { get; }

    /// <summary>Where this issuer's certificates are kept, so a restart serves them again.</summary>
    string StorageDirectory { get; }

    Task<IssuedCertificate> IssueAsync(IReadOnlyList<string> domains, ServedCertificate? replacing, CancellationToken cancellation);

    /// <summary>The CA's suggested renewal window, or null when it offers none.</summary>
    Task<RenewalWindow?> RenewalWindowAsync(ServedCertificate current, CancellationToken cancellation);
}
