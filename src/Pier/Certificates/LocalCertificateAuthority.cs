using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pier.Certificates;

/// <summary>
/// <c>ca: internal</c>: a root made once in the state directory issues certificates for the
/// configured names, for development and private networks. `pier certs trust` says where the
/// root is, so that clients can trust it.
/// </summary>
internal sealed class LocalCertificateAuthority : ICertificateIssuer
{
    public const string RootFile = "root.pem";

    private const string RootKeyFile = "root.key";

    private static readonly TimeSpan RootLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(30);

    private readonly TimeProvider _time;

    public LocalCertificateAuthority(string storageDirectory, TimeProvider time)
    {
        StorageDirectory = storageDirectory;
        _time = time;
    }

    public CertificateSource Source => CertificateSource.Internal;

    public string StorageDirectory { get; }

    public static string RootPath(string stateDirectory) => Path.Combine(CertificateFolder.ForInternal(stateDirectory), RootFile);

    public Task<IssuedCertificate> IssueAsync(IReadOnlyList<string> domains, ServedCertificate? replacing, CancellationToken cancellation)
    {
        using var root = LoadOrCreateRoot();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domains[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var domain in domains)
            san.AddDnsName(domain);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = _time.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var leaf = request.Create(root, now.AddMinutes(-5), now + LeafLifetime, serial);
        return Task.FromResult(new IssuedCertificate(leaf.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem()));
    }

    public Task<RenewalWindow?> RenewalWindowAsync(ServedCertificate current, CancellationToken cancellation) =>
        Task.FromResult<RenewalWindow?>(null);

    private X509Certificate2 LoadOrCreateRoot()
    {
        var certificatePath = Path.Combine(StorageDirectory, RootFile);
        var keyPath = Path.Combine(StorageDirectory, RootKeyFile);
        if (File.Exists(certificatePath) && File.Exists(keyPath))
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Pier local CA {Environment.MachineName}, O=Pier", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = _time.GetUtcNow();
        var root = request.CreateSelfSigned(now.AddMinutes(-5), now + RootLifetime);
        AtomicFile.Write(keyPath, key.ExportPkcs8PrivateKeyPem());
        AtomicFile.Write(certificatePath, root.ExportCertificatePem() + "\n");
        return root;
    }
}
