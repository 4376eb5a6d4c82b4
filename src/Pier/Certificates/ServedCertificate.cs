using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pier.Certificates;

/// <summary>
/// One certificate as the front door serves it: the leaf with its key, the intermediates sent with
/// it, and the facts the schedule and `pier certs` need. Immutable; a renewal makes a new one.
/// </summary>
internal sealed class ServedCertificate
{
    private ServedCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates, CertificateSource source)
    {
        Leaf = leaf;
        Source = source;
        Names = (leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault()?.EnumerateDnsNames() ?? [])
            .Select(n => n.ToLowerInvariant()).ToList();
        // offline: the chain is what the CA gave; no fetching of missing parts while a handshake waits.
        Context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    public X509Certificate2 Leaf { get; }

    public SslStreamCertificateContext Context { get; }

    public CertificateSource Source { get; }

    public IReadOnlyList<string> Names { get; }

    public DateTimeOffset NotBefore => Leaf.NotBefore.ToUniversalTime();

    public DateTimeOffset NotAfter => Leaf.NotAfter.ToUniversalTime();

    public TimeSpan Lifetime => NotAfter - NotBefore;

    public string Serial => Leaf.SerialNumber;

    public string Issuer => Leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: true);

    /// <summary>True when the certificate names every one of <paramref name="domains"/>.</summary>
    public bool Covers(IEnumerable<string> domains) => domains.All(d => Names.Contains(d, StringComparer.OrdinalIgnoreCase));

    /// <summary>Reads a chain (leaf first) and its key; explains in the exception what is wrong with them.</summary>
    /// <exception cref="InvalidDataException">Not a usable certificate and key.</exception>
    public static ServedCertificate FromPem(string chainPem, string keyPem, CertificateSource source, DateTimeOffset now)
    {
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(chainPem);
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"the certificate file is not valid PEM: {e.Message}");
        }
        if (all.Count == 0)
            throw new InvalidDataException("the certificate file holds no CERTIFICATE block");

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(chainPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // The message says whether the key is unreadable or belongs to another certificate; it never holds key bytes.
            throw new InvalidDataException($"the key does not fit the certificate or cannot be read: {e.Message}");
        }
        if (leaf.NotAfter.ToUniversalTime() <= now.UtcDateTime)
            throw new InvalidDataException($"the certificate expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
            intermediates.Add(all[i]);
        return new ServedCertificate(leaf, intermediates, source);
    }
}
