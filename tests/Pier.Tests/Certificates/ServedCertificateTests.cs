using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pier.Certificates;

namespace Pier.Tests.Certificates;

public sealed class ServedCertificateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void FromPem_ChainAndKey_NamesLeafAndIntermediates()
    {
        var (chain, key) = Leaf(Now.AddDays(30), "a.pier.test", "B.pier.test");

        var served = ServedCertificate.FromPem(chain, key, CertificateSource.File, Now);

        Assert.Equal(["a.pier.test", "b.pier.test"], served.Names);
        Assert.True(served.Covers(["b.pier.test", "a.pier.test"]));
        Assert.False(served.Covers(["c.pier.test"]));
        Assert.Equal("Pier test CA", served.Issuer);
        Assert.Single(served.Context.IntermediateCertificates);
    }

    [Fact]
    public void FromPem_KeyOfAnotherCertificate_IsRefused()
    {
        var (chain, _) = Leaf(Now.AddDays(30), "a.pier.test");
        var (_, otherKey) = Leaf(Now.AddDays(30), "a.pier.test");

        var error = Assert.Throws<InvalidDataException>(() => ServedCertificate.FromPem(chain, otherKey, CertificateSource.File, Now));
        Assert.Contains("key does not fit", error.Message);
        Assert.DoesNotContain("PRIVATE", error.Message);
    }

    [Fact]
    public void FromPem_Expired_IsRefused()
    {
        var (chain, key) = Leaf(Now.AddMinutes(-1), "a.pier.test");

        var error = Assert.Throws<InvalidDataException>(() => ServedCertificate.FromPem(chain, key, CertificateSource.File, Now));
        Assert.Contains("expired", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")]
    public void FromPem_NoCertificate_IsRefused(string chain)
    {
        var (_, key) = Leaf(Now.AddDays(1), "a.pier.test");

        Assert.Throws<InvalidDataException>(() => ServedCertificate.FromPem(chain, key, CertificateSource.File, Now));
    }

    /// <summary>A leaf from an intermediate under a root; the chain holds the leaf and the intermediate, as a CA sends it.</summary>
    private static (string Chain, string Key) Leaf(DateTimeOffset notAfter, params string[] names)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Pier test root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(Now.AddDays(-10), Now.AddDays(60));
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Pier test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var caPublic = caRequest.Create(root, Now.AddDays(-10), Now.AddDays(60), RandomNumberGenerator.GetBytes(8));
        using var ca = caPublic.CopyWithPrivateKey(caKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
            san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var leaf = request.Create(ca, Now.AddDays(-5), notAfter, RandomNumberGenerator.GetBytes(8));
        return (leaf.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem());
    }
}
