using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pier.Certificates;
using Pier.Configuration;
using Pier.Tests.EndToEnd;

namespace Pier.Tests.Certificates;

/// <summary>
/// ARI lookups against a recorded directory and renewalInfo document: pebble 2.4 has no ARI, so a
/// small loopback server plays the CA here. Issuance itself is tested against pebble (HttpsTests).
/// </summary>
public sealed class AcmeIssuerTests : IAsyncLifetime
{
    private readonly TestDirectory _dir = new();
    private readonly int _port = Loopback.FreePort();
    private readonly List<string> _requests = [];
    private readonly System.Net.HttpListener _ca = new();
    private Task _serving = Task.CompletedTask;

    public Task InitializeAsync()
    {
        var root = $"http://127.0.0.1:{_port}";
        _ca.Prefixes.Add(root + "/");
        _ca.Start();
        _serving = Task.Run(async () =>
        {
            while (_ca.IsListening)
            {
                System.Net.HttpListenerContext context;
                try
                {
                    context = await _ca.GetContextAsync();
                }
                catch (System.Net.HttpListenerException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                var path = context.Request.Url!.AbsolutePath;
                lock (_requests)
                    _requests.Add(path);
                var body = path == "/dir"
                    ? $$"""{"newNonce":"{{root}}/nonce","newAccount":"{{root}}/account","newOrder":"{{root}}/order","renewalInfo":"{{root}}/ari/"}"""
                    : """{"suggestedWindow":{"start":"2030-01-02T00:00:00Z","end":"2030-01-03T00:00:00Z"},"explanationURL":"https://example.com/why"}""";
                context.Response.ContentType = "application/json";
                var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RenewalWindow_AsksTheCaByCertificateId_AndReadsTheSuggestedWindow()
    {
        var directory = new Uri($"http://127.0.0.1:{_port}/dir");
        var config = new HttpsConfig(["a.pier.test"], null, directory.AbsoluteUri, null, null, null, null);
        using var issuer = new AcmeIssuer(config, directory, _dir.Path, new ChallengeResponder(), TimeProvider.System);
        var certificate = AcmeIssued(out var certificateId);

        var window = await issuer.RenewalWindowAsync(certificate, CancellationToken.None);

        Assert.Equal(new RenewalWindow(new DateTimeOffset(2030, 1, 2, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2030, 1, 3, 0, 0, 0, TimeSpan.Zero)), window);
        Assert.Contains($"/ari/{certificateId}", _requests);
    }

    /// <summary>A certificate as an ACME CA would issue it: a leaf with an authority key identifier, and its intermediate.</summary>
    private static ServedCertificate AcmeIssued(out string certificateId)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Recorded CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(90));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=a.pier.test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("a.pier.test");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var leaf = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(60), RandomNumberGenerator.GetBytes(8));
        certificateId = RenewalWindow.CertificateId(leaf);
        return ServedCertificate.FromPem(leaf.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), CertificateSource.Acme, DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync()
    {
        _ca.Close();
        await _serving;
        _dir.Dispose();
    }
}
