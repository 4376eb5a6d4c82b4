namespace Pier.Certificates;

/// <summary>
/// The certificate the HTTPS listener serves right now. A handshake reads the current snapshot; a
/// renewal or a reloaded file replaces it, so new connections get the new certificate while open
/// ones carry on with theirs: no restart, nothing dropped.
/// </summary>
internal sealed class CertificateStore
{
    private volatile ServedCertificate? _current;

    /// <summary>Null until the first certificate arrives; until then HTTPS handshakes are refused.</summary>
    public ServedCertificate? Current => _current;

    public void Serve(ServedCertificate certificate) => _current = certificate;
}
