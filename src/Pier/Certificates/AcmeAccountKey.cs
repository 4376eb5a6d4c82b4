using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Pier.Certificates;

/// <summary>
/// The ACME account key: P-256, made once and kept (0600) so that every order reuses the same
/// account. Signs JWS with ES256 and gives the JWK and its thumbprint (RFC 7638).
/// </summary>
internal sealed class AcmeAccountKey : IDisposable
{
    private readonly ECDsa _key;

    private AcmeAccountKey(ECDsa key)
    {
        _key = key;
        var p = key.ExportParameters(includePrivateParameters: false).Q;
        // RFC 7638: the required members in lexical order, no whitespace; the same text is the JWK.
        Jwk = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64Url.EncodeToString(p.X)}}","y":"{{Base64Url.EncodeToString(p.Y)}}"}""";
        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk)));
    }

    /// <summary>The public key as a JWK, in its canonical form.</summary>
    public string Jwk { get; }

    public string Thumbprint { get; }

    public static AcmeAccountKey LoadOrCreate(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            return new AcmeAccountKey(key);
        }
        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        AtomicFile.Write(path, key.ExportPkcs8PrivateKeyPem());
        return new AcmeAccountKey(key);
    }

    /// <summary>ES256: raw r‖s, as JWS wants, not DER.</summary>
    public byte[] Sign(byte[] data) =>
        _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public string KeyAuthorization(string token) => token + "." + Thumbprint;

    public void Dispose() => _key.Dispose();
}
