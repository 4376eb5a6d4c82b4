using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Pier.Certificates;

namespace Pier.Tests.Certificates;

public sealed class TlsAlpnChallengeCertificateTests
{
    [Fact]
    public void Create_HasOneDnsName_AndTheCriticalAcmeIdentifierWithTheKeyAuthorizationHash()
    {
        var context = TlsAlpnChallengeCertificate.Create("a.pier.test", "token.thumbprint");
        var certificate = context.TargetCertificate;

        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["a.pier.test"], san.EnumerateDnsNames());
        var acme = certificate.Extensions[TlsAlpnChallengeCertificate.AcmeIdentifierOid]!;
        Assert.True(acme.Critical);
        var reader = new AsnReader(acme.RawData, AsnEncodingRules.DER);
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes("token.thumbprint")), reader.ReadOctetString());
        Assert.False(reader.HasData);
    }
}
