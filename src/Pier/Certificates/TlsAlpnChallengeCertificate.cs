using System.Formats.Asn1;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Pier.Certificates;

/// <summary>
/// The self-signed certificate that answers a TLS-ALPN-01 challenge (RFC 8737): exactly one dNSName
/// SAN, and the critical acmeIdentifier extension holding SHA-256 of the key authorization.
/// </summary>
internal static class TlsAlpnChallengeCertificate
{
    public const string AcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

    public static SslStreamCertificateContext Create(string domain, string keyAuthorization)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domain}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(domain);
        request.CertificateExtensions.Add(san.Build(critical: true));

        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));
        request.CertificateExtensions.Add(new X509Extension(AcmeIdentifierOid, writer.Encode(), critical: true));

        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        return SslStreamCertificateContext.Create(certificate, null, offline: true);
    }
}
