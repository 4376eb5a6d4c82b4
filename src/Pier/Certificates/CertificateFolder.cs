namespace Pier.Certificates;

/// <summary>
/// Where Pier keeps what it got, under <c>&lt;state&gt;/certificates/</c>: one folder per issuer
/// (an ACME directory or the internal CA) holding its account or CA key and, per certificate,
/// <c>fullchain.pem</c> and <c>privkey.pem</c>. Every file is written atomically, 0600.
/// </summary>
internal static class CertificateFolder
{
    public const string ChainFile = "fullchain.pem";
    public const string KeyFile = "privkey.pem";

    public static string Root(string stateDirectory) => Path.Combine(stateDirectory, "certificates");

    /// <summary>One folder per ACME directory, so switching from staging to production never mixes accounts.</summary>
    public static string ForAcme(string stateDirectory, Uri directory) =>
        Path.Combine(Root(stateDirectory), "acme", $"{directory.Host}-{directory.Port}{directory.AbsolutePath.Replace('/', '_')}");

    public static string ForInternal(string stateDirectory) => Path.Combine(Root(stateDirectory), "internal");

    /// <summary>The folder of the certificate for a set of names, named after the first.</summary>
    public static string ForDomains(string issuerDirectory, IReadOnlyList<string> domains) => Path.Combine(issuerDirectory, domains[0]);

    public static void Save(string directory, IssuedCertificate issued)
    {
        // Load refuses a chain whose key does not fit, so a crash between the two renames costs a new order, never a broken listener.
        AtomicFile.Write(Path.Combine(directory, KeyFile), issued.KeyPem);
        AtomicFile.Write(Path.Combine(directory, ChainFile), issued.ChainPem);
    }

    /// <summary>The saved certificate, or null when there is none or it is no longer usable.</summary>
    public static ServedCertificate? Load(string directory, CertificateSource source, DateTimeOffset now)
    {
        var chain = Path.Combine(directory, ChainFile);
        var key = Path.Combine(directory, KeyFile);
        if (!File.Exists(chain) || !File.Exists(key))
            return null;
        try
        {
            return ServedCertificate.FromPem(File.ReadAllText(chain), File.ReadAllText(key), source, now);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
