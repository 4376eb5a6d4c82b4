using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pier.Certificates;

namespace Pier.Tests.Certificates;

public sealed class RenewalWindowTests
{
    [Fact]
    public void CertificateId_MatchesTheRfc9773TestVector()
    {
        // RFC 9773's example: AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 00:87:65:43:21.
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerRequest = new CertificateRequest("CN=issuer", issuerKey, HashAlgorithmName.SHA256);
        issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var issuer = issuerRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=example.com", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(
            Base64Url.DecodeFromChars("aYhba4dGQEHhs3uEe6CuLN4ByNQ")));
        using var certificate = request.Create(issuer, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), [0x00, 0x87, 0x65, 0x43, 0x21]);

        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", RenewalWindow.CertificateId(certificate));
    }

    [Fact]
    public void CertificateId_WithoutAuthorityKeyIdentifier_SaysWhy()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=example.com", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var error = Assert.Throws<InvalidDataException>(() => RenewalWindow.CertificateId(certificate));
        Assert.Contains("authority key identifier", error.Message);
    }

    [Fact]
    public void Parse_RecordedLetsEncryptDocument_ReadsTheWindow()
    {
        // As served by Let's Encrypt's renewalInfo endpoint, with an explanation URL.
        var window = RenewalWindow.Parse("""
            {
              "suggestedWindow": {
                "start": "2025-01-02T04:00:00Z",
                "end": "2025-01-03T04:00:00Z"
              },
              "explanationURL": "https://acme.example.com/docs/ari"
            }
            """);

        Assert.Equal(new DateTimeOffset(2025, 1, 2, 4, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(new DateTimeOffset(2025, 1, 3, 4, 0, 0, TimeSpan.Zero), window.End);
    }

    [Fact]
    public void Parse_FractionalSecondsAndOffsets_AreUnderstood()
    {
        var window = RenewalWindow.Parse("""{"suggestedWindow":{"start":"2025-03-01T10:00:00.123456+02:00","end":"2025-03-01T12:00:00Z"}}""");

        Assert.Equal(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero).AddTicks(1234560), window.Start);
    }

    [Theory]
    [InlineData("""{"suggestedWindow":{"start":"2025-01-03T00:00:00Z","end":"2025-01-02T00:00:00Z"}}""", "ends before it starts")]
    [InlineData("""{"window":{}}""", "not a renewalInfo document")]
    [InlineData("""{"suggestedWindow":{"start":"yesterday","end":"2025-01-02T00:00:00Z"}}""", "not a renewalInfo document")]
    [InlineData("<html>", "not a renewalInfo document")]
    public void Parse_BadDocument_SaysWhy(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => RenewalWindow.Parse(json));
        Assert.Contains(expected, error.Message);
    }
}
