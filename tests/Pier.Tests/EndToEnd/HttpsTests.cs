using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pier.Certificates;
using Pier.Control;
using Pier.Tests.Certificates;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// HTTPS through a real `pier up`: certificates from Debian's pebble with real validation over
/// Pier's own listeners, renewals under load, a forgetful or absent CA, the internal CA and
/// watched PEM files.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class HttpsTests
{
    private static readonly string[] Domains = ["a.pier.test", "b.pier.test"];

    private static string Config(int http, int https, string httpsSection) =>
        TestConfigs.FastApi("https-test", http, health: TestConfigs.QuickHealth, web: "stop: { timeout: 5s }", extra: "https:\n" + httpsSection,
            httpsPort: https);

    private static string AcmeSection(PebbleServer pebble, string challenge) => $"""
          domains: [{string.Join(", ", Domains)}]
          email: ops@pier.test
          ca: {pebble.DirectoryUrl}
          ca_root: {pebble.ListenerRootFile}
          challenge: {challenge}
        """;

    [Theory]
    [InlineData("http-01", 0)]
    [InlineData("tls-alpn-01", 0)]
    [InlineData("http-01", 50)]
    public async Task Pebble_IssuesForTwoDomains_AndHttpsReachesAWorker(string challenge, int nonceRejectPercent)
    {
        using var dir = new TestDirectory();
        var (http, https) = (Loopback.FreePort(), Loopback.FreePort());
        await using var pebble = await PebbleServer.StartAsync(Path.Combine(dir.Path, "pebble"), http, https, nonceRejectPercent: nonceRejectPercent);
        dir.Write("pier.yaml", Config(http, https, AcmeSection(pebble, challenge)));
        await using var pier = PierProcess.Start(dir);

        var report = await WaitForCertificatesAsync(pier, r => r.All(c => c.Serial is not null), TimeSpan.FromSeconds(60), "a certificate");
        Assert.All(report, c => Assert.Equal(CertificateSource.Acme, c.Source));
        Assert.All(report, c => Assert.Null(c.LastError));
        await pier.WaitForReadyAsync("web", 1);

        using var client = new HttpsClient(https, await pebble.IssuingRootAsync());
        foreach (var domain in Domains)
        {
            using var response = await client.GetAsync(domain, version: HttpVersion.Version20);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.Contains("\"worker\":\"web.1\"", await response.Content.ReadAsStringAsync());
            Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
        }
        Assert.Equal(report[0].Serial, client.LastSerial);
        Assert.True(client.LastIntermediates >= 1, "the server sent the leaf without its intermediate");

        var acme = Directory.GetDirectories(Path.Combine(pier.StateDirectory, "certificates", "acme")).Single();
        foreach (var secret in (string[])[Path.Combine(acme, "account.key"), Path.Combine(acme, Domains[0], "privkey.pem")])
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
        Assert.DoesNotContain("PRIVATE KEY", pier.Output);
    }

    [Fact]
    public async Task Renewal_ShortLivedCertificate_IsReplacedLive_AndNoRequestFails()
    {
        using var dir = new TestDirectory();
        var (http, https) = (Loopback.FreePort(), Loopback.FreePort());
        await using var pebble = await PebbleServer.StartAsync(Path.Combine(dir.Path, "pebble"), http, https, validitySeconds: 30);
        dir.Write("pier.yaml", Config(http, https, AcmeSection(pebble, "http-01")));
        await using var pier = PierProcess.Start(dir);
        var first = (await WaitForCertificatesAsync(pier, r => r[0].Serial is not null, TimeSpan.FromSeconds(60), "a certificate"))[0];
        await pier.WaitForReadyAsync("web", 1);

        using var client = new HttpsClient(https, await pebble.IssuingRootAsync(), pooledConnectionLifetime: TimeSpan.FromMilliseconds(200));
        var (sent, failures, serials) = await LoadUntilAsync(client, () => client.LastSerial is { } s && s != first.Serial, TimeSpan.FromSeconds(45));

        Assert.Empty(failures);
        Assert.True(sent > 20, $"only {sent} requests were sent");
        Assert.Contains(first.Serial!, serials);
        Assert.True(serials.Count >= 2, "the served certificate never changed; Pier's output:\n" + pier.Output);
        Assert.Contains("renewed the certificate", pier.Output);
    }

    [Fact]
    public async Task PebbleRestarted_ForgetsTheAccount_PierRegistersAgainAndRenews()
    {
        using var dir = new TestDirectory();
        var (http, https) = (Loopback.FreePort(), Loopback.FreePort());
        await using var pebble = await PebbleServer.StartAsync(Path.Combine(dir.Path, "pebble"), http, https, validitySeconds: 20);
        dir.Write("pier.yaml", Config(http, https, AcmeSection(pebble, "http-01")));
        await using var pier = PierProcess.Start(dir);
        var first = (await WaitForCertificatesAsync(pier, r => r[0].Serial is not null, TimeSpan.FromSeconds(60), "a certificate"))[0];

        await pebble.StopAsync();
        await pebble.StartPebbleAsync();
        var renewed = (await WaitForCertificatesAsync(pier, r => r[0].Serial is { } s && s != first.Serial, TimeSpan.FromSeconds(60), "a renewal from the new pebble"))[0];

        // The new pebble has a new issuing root: the renewed chain verifies against it.
        using var client = new HttpsClient(https, await pebble.IssuingRootAsync());
        await pier.WaitForReadyAsync("web", 1);
        using var response = await client.GetAsync(Domains[1]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(renewed.Serial, client.LastSerial);
    }

    [Fact]
    public async Task AcmeServerDown_AtRenewal_TheOldCertificateKeepsServing_AndTheErrorIsShown()
    {
        using var dir = new TestDirectory();
        var (http, https) = (Loopback.FreePort(), Loopback.FreePort());
        // Renewal comes at two thirds (30 s); the old certificate must still be valid when the test checks it after that.
        await using var pebble = await PebbleServer.StartAsync(Path.Combine(dir.Path, "pebble"), http, https, validitySeconds: 45);
        dir.Write("pier.yaml", Config(http, https, AcmeSection(pebble, "http-01")));
        await using var pier = PierProcess.Start(dir);
        var first = (await WaitForCertificatesAsync(pier, r => r[0].Serial is not null, TimeSpan.FromSeconds(60), "a certificate"))[0];
        var root = await pebble.IssuingRootAsync();
        await pier.WaitForReadyAsync("web", 1);

        await pebble.StopAsync();
        var failed = (await WaitForCertificatesAsync(pier, r => r[0].LastError is not null, TimeSpan.FromSeconds(60), "a failed renewal"))[0];
        Assert.Equal(first.Serial, failed.Serial);
        Assert.Contains("cannot reach the ACME server", failed.LastError);

        using var client = new HttpsClient(https, root);
        using var response = await client.GetAsync(Domains[0]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(first.Serial, client.LastSerial);

        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "certs");
        Assert.Equal(0, code);
        Assert.Contains("a.pier.test", stdout);
        Assert.Contains("cannot reach the ACME server", stdout);
    }

    [Fact]
    public async Task PiersOwnOpenSslSettings_AreNotPassedOnToWorkers()
    {
        using var dir = new TestDirectory();
        var seen = Path.Combine(dir.Path, "worker.env");
        dir.Write("pier.yaml", $$"""
            name: openssl-env
            services:
              job:
                run: env > {{seen}}.tmp && mv {{seen}}.tmp {{seen}} && sleep 60
            https: { domains: [a.pier.test], ca: internal }
            listen: { http: "127.0.0.1:{{Loopback.FreePort()}}", https: "127.0.0.1:{{Loopback.FreePort()}}" }
            """);
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForAsync(s => File.Exists(seen), TimeSpan.FromSeconds(30), "the worker's environment");

        Assert.True(File.Exists(Path.Combine(pier.StateDirectory, "openssl.cnf")), "Pier should point its own OpenSSL at its TLS settings");
        Assert.DoesNotContain(File.ReadAllLines(seen), line => line.StartsWith("OPENSSL_CONF=", StringComparison.Ordinal));
        Assert.Contains(File.ReadAllLines(seen), line => line == "PIER_WORKER=job.1");
    }

    [Fact]
    public async Task InternalCa_ServesBothDomains_RedirectsPlainHttp_ButNotTheChallengePath()
    {
        using var dir = new TestDirectory();
        var (http, https) = (Loopback.FreePort(), Loopback.FreePort());
        dir.Write("pier.yaml", Config(http, https, $"""
              domains: [{string.Join(", ", Domains)}]
              ca: internal
              hsts: 1d
            """));
        await using var pier = PierProcess.Start(dir);
        var report = await WaitForCertificatesAsync(pier, r => r.All(c => c.Serial is not null), TimeSpan.FromSeconds(30), "a certificate");
        Assert.All(report, c => Assert.Equal(CertificateSource.Internal, c.Source));
        await pier.WaitForReadyAsync("web", 1);

        var rootFile = LocalCertificateAuthority.RootPath(pier.StateDirectory);
        using var client = new HttpsClient(https, X509Certificate2.CreateFromPem(File.ReadAllText(rootFile)));
        foreach (var domain in Domains)
        {
            using var response = await client.GetAsync(domain);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("max-age=86400", response.Headers.GetValues("Strict-Transport-Security").Single());
        }

        using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        using var redirect = await plain.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{http}/items/7?q=1") { Headers = { Host = $"a.pier.test:{http}" } });
        Assert.Equal(HttpStatusCode.PermanentRedirect, redirect.StatusCode);
        Assert.Equal($"https://a.pier.test:{https}/items/7?q=1", redirect.Headers.Location!.ToString());
        using var challenge = await plain.GetAsync($"http://127.0.0.1:{http}/.well-known/acme-challenge/unknown-token");
        Assert.Equal(HttpStatusCode.NotFound, challenge.StatusCode);

        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "certs", "trust");
        Assert.Equal(0, code);
        Assert.Contains(rootFile, stdout);
        Assert.Contains("update-ca-certificates", stdout);
    }

    [Fact]
    public async Task WatchedFiles_AreReloaded_AndABadReplacementKeepsTheOldCertificate()
    {
        using var dir = new TestDirectory();
        var (http, https) = (Loopback.FreePort(), Loopback.FreePort());
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Pier test file CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var first = WriteLeaf(dir, ca);
        dir.Write("pier.yaml", Config(http, https, """
              certificate: cert.pem
              key: key.pem
            """));
        await using var pier = PierProcess.Start(dir);
        await WaitForCertificatesAsync(pier, r => r[0].Serial == first, TimeSpan.FromSeconds(30), "the file certificate");
        await pier.WaitForReadyAsync("web", 1);
        using var client = new HttpsClient(https, ca);
        using (var response = await client.GetAsync(Domains[0]))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(first, client.LastSerial);

        var second = WriteLeaf(dir, ca);
        var report = await WaitForCertificatesAsync(pier, r => r[0].Serial == second, TimeSpan.FromSeconds(15), "the replaced certificate");
        Assert.Equal(CertificateSource.File, report[0].Source);
        Assert.Null(report[0].LastError);

        dir.Write("cert.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        var refused = await WaitForCertificatesAsync(pier, r => r[0].LastError is not null, TimeSpan.FromSeconds(15), "the bad file to be refused");
        Assert.Equal(second, refused[0].Serial);
        Assert.Contains("previous certificate keeps serving", pier.Output);
        using (var response = await client.GetAsync(Domains[1]))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(second, client.LastSerial);
    }

    /// <summary>A new leaf for both domains, written as certbot would (the key first, each by rename); returns its serial.</summary>
    private static string WriteLeaf(TestDirectory dir, X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Domains[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var domain in Domains)
            san.AddDnsName(domain);
        request.CertificateExtensions.Add(san.Build());
        using var leaf = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(10), RandomNumberGenerator.GetBytes(8));
        File.Move(dir.Write("key.pem.new", key.ExportPkcs8PrivateKeyPem()), Path.Combine(dir.Path, "key.pem"), overwrite: true);
        File.Move(dir.Write("cert.pem.new", leaf.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n"), Path.Combine(dir.Path, "cert.pem"), overwrite: true);
        return leaf.SerialNumber;
    }

    /// <summary>Sends requests alternating between the domains until the condition holds; returns what it saw.</summary>
    private static async Task<(int Sent, List<string> Failures, HashSet<string> Serials)> LoadUntilAsync(HttpsClient client, Func<bool> done, TimeSpan timeout)
    {
        var failures = new List<string>();
        var serials = new HashSet<string>();
        var sent = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var response = await client.GetAsync(Domains[sent % 2]);
                if (response.StatusCode != HttpStatusCode.OK)
                    failures.Add($"status {(int)response.StatusCode}");
            }
            catch (HttpRequestException e)
            {
                failures.Add(e.Message + (e.InnerException is { } inner ? ": " + inner.Message : ""));
            }
            sent++;
            if (client.LastSerial is { } serial)
                serials.Add(serial);
            if (done())
            {
                // A little more traffic on the new certificate, then stop.
                for (var i = 0; i < 10; i++)
                {
                    using var response = await client.GetAsync(Domains[i % 2]);
                    if (response.StatusCode != HttpStatusCode.OK)
                        failures.Add($"status {(int)response.StatusCode}");
                }
                break;
            }
            await Task.Delay(50);
        }
        return (sent, failures, serials);
    }

    private static async Task<IReadOnlyList<CertificateReport>> WaitForCertificatesAsync(
        PierProcess pier, Func<IReadOnlyList<CertificateReport>, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<CertificateReport>? last = null;
        using var control = new ControlClient(pier.StateDirectory);
        while (clock.Elapsed < timeout)
        {
            if (pier.HasExited)
                throw new Xunit.Sdk.XunitException($"pier exited while waiting for {what}\n{pier.Output}");
            try
            {
                last = await control.CertificatesAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                last = null;
            }
            if (last is { Count: > 0 } && condition(last))
                return last;
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"timed out after {timeout} waiting for {what}; last: " +
            (last is null ? "none" : System.Text.Json.JsonSerializer.Serialize(last, ControlJson.Options)) + "\n" + pier.Output);
    }
}
