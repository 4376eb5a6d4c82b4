using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Pier.Certificates;
using Pier.Tests.Certificates;
using Pier.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Pier.Tests.Reliability;

/// <summary>
/// The HTTPS listener as Debian's sslscan sees it: TLS 1.2 and 1.3 only, TLS 1.2 limited to forward-secret
/// AEAD suites (no NULL, EXPORT, RC4, DES, 3DES, anonymous, MD5 or CBC), no compression, no
/// Heartbleed, no insecure renegotiation, AES-128-GCM preferred, and HSTS on every HTTPS response.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class TlsTests(ITestOutputHelper output)
{
    private const string Domain = "tls.pier.test";

    [Fact]
    public async Task HttpsListener_OffersOnlyModernProtocolsAndCiphers_AndSendsHsts()
    {
        using var dir = new TestDirectory();
        var (http, https) = (Loopback.FreePort(), Loopback.FreePort());
        dir.Write("pier.yaml", TestConfigs.FastApi("tls-scan", http, httpsPort: https, extra: $"""
            https:
              domains: [{Domain}]
              ca: internal
            """));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 1);
        using var response = await FirstHttpsAnswerAsync(pier, https);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());

        var clock = Stopwatch.StartNew();
        var scan = XDocument.Parse(await SslScanAsync("--no-colour", "--xml=-", $"--sni-name={Domain}", $"127.0.0.1:{https}"));
        var test = scan.Descendants("ssltest").Single();
        var protocols = test.Elements("protocol").Where(p => p.Attribute("enabled")?.Value == "1")
            .Select(p => $"{p.Attribute("type")!.Value}v{p.Attribute("version")!.Value}".ToUpperInvariant()).ToList();
        var ciphers = test.Elements("cipher").Where(c => c.Attribute("status")?.Value is "accepted" or "preferred")
            .Select(c => (Version: c.Attribute("sslversion")!.Value, Name: c.Attribute("cipher")!.Value, Preferred: c.Attribute("status")!.Value == "preferred")).ToList();
        output.WriteLine($"sslscan in {clock.Elapsed.TotalSeconds:0.0} s: protocols {string.Join(", ", protocols)}; " +
            $"ciphers {string.Join(", ", ciphers.Select(c => $"{c.Version} {c.Name}"))}");

        Assert.Equal(["TLSV1.2", "TLSV1.3"], protocols.Order());
        Assert.All(ciphers, c => Assert.DoesNotMatch("NULL|EXP|RC4|DES|ADH|AECDH|anon|MD5|PSK|SRP", c.Name));
        // TLS 1.3 suites are all AEAD; TLS 1.2 is held to the same: ECDHE key exchange with GCM or ChaCha20-Poly1305.
        Assert.All(ciphers.Where(c => c.Version == "TLSv1.2"), c => Assert.Matches("^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$", c.Name));
        Assert.Contains(ciphers, c => c.Version == "TLSv1.3");
        // AES-128-GCM chosen first in both versions; with OpenSSL's default order it was AES-256-GCM with SHA-384.
        Assert.Equal("TLS_AES_128_GCM_SHA256", ciphers.Single(c => c.Version == "TLSv1.3" && c.Preferred).Name);
        Assert.Equal("ECDHE-ECDSA-AES128-GCM-SHA256", ciphers.Single(c => c.Version == "TLSv1.2" && c.Preferred).Name);
        // sslscan leaves out the compression element when its OpenSSL cannot compress at all.
        Assert.NotEqual("1", test.Element("compression")?.Attribute("supported")?.Value);
        var renegotiation = test.Element("renegotiation");
        Assert.False(renegotiation?.Attribute("supported")?.Value == "1" && renegotiation.Attribute("secure")?.Value != "1", "insecure renegotiation");
        Assert.All(test.Elements("heartbleed"), h => Assert.Equal("0", h.Attribute("vulnerable")?.Value));
    }

    /// <summary>The internal CA signs the certificate shortly after start; until then the handshake is refused.</summary>
    private static async Task<HttpResponseMessage> FirstHttpsAnswerAsync(PierProcess pier, int https)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var rootFile = LocalCertificateAuthority.RootPath(pier.StateDirectory);
            if (File.Exists(rootFile))
            {
                using var client = new HttpsClient(https, X509Certificate2.CreateFromPem(File.ReadAllText(rootFile)));
                try
                {
                    return await client.GetAsync(Domain);
                }
                catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
                {
                }
            }
            else if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new Xunit.Sdk.XunitException("no internal CA root after 30 s\n" + pier.Output);
            }
            await Task.Delay(200);
        }
    }

    private static async Task<string> SslScanAsync(params string[] args)
    {
        var info = new ProcessStartInfo("sslscan") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new Xunit.Sdk.XunitException("sslscan did not finish within 60 s");
        }
        Assert.True(process.ExitCode == 0, await stderr);
        return await stdout;
    }
}
