using Pier.Configuration;

namespace Pier.Tests.Configuration;

public sealed class HttpsConfigReaderTests : IDisposable
{
    private const string Minimal = "name: shop\nservices:\n  web:\n    run: ./web\n";

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_EveryField_IsRead_PathsFromTheConfigDirectory()
    {
        _dir.Write("pebble-root.pem", "");
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + """
            https:
              domains: [API.example.com, www.example.com]
              email: ops@example.com
              ca: https://127.0.0.1:14000/dir
              ca_root: pebble-root.pem
              hsts: 30d
              challenge: tls-alpn-01
            listen: { http: "127.0.0.1:8080", https: "127.0.0.1:8443" }
            """));

        var https = config.Https!;
        Assert.Equal(["api.example.com", "www.example.com"], https.Domains);
        Assert.Equal("ops@example.com", https.Email);
        Assert.Equal(new Uri("https://127.0.0.1:14000/dir"), https.AcmeDirectoryUrl);
        Assert.Equal(Path.Combine(_dir.Path, "pebble-root.pem"), https.CaRoot);
        Assert.Equal(TimeSpan.FromDays(30), https.Hsts);
        Assert.Equal(HttpsConfig.TlsAlpn01, https.Challenge);
        Assert.Equal(new ListenConfig("127.0.0.1", 8080, "127.0.0.1", 8443), config.Listen);
    }

    [Fact]
    public void Load_Defaults_LetsEncrypt_HstsOneYear_Port443()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "https: { domains: [api.example.com] }\n"));

        Assert.Equal(new Uri(HttpsConfig.LetsEncrypt), config.Https!.AcmeDirectoryUrl);
        Assert.Equal(HttpsConfig.DefaultHsts, config.Https.Hsts);
        Assert.Null(config.Https.Challenge);
        Assert.Equal(new ListenConfig(null, 80, null, 443), config.Listen);
    }

    [Fact]
    public void Load_FilesAndInternal_HaveNoAcmeDirectory_HstsOff()
    {
        var files = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "https: { certificate: /etc/ssl/full.pem, key: /etc/ssl/key.pem, hsts: off }\n"));
        var local = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "https: { domains: [api.example.com], ca: internal }\n"));

        Assert.True(files.Https!.UsesFiles);
        Assert.Null(files.Https.AcmeDirectoryUrl);
        Assert.Null(files.Https.Hsts);
        Assert.Equal("/etc/ssl/key.pem", files.Https.KeyFile);
        Assert.Null(local.Https!.AcmeDirectoryUrl);
    }

    [Fact]
    public void Load_NoHttpsSection_NoHttpsListener()
    {
        Assert.Null(ConfigLoader.Load(_dir.Write("pier.yaml", Minimal)).Listen.HttpsPort);
    }

    [Fact]
    public void Load_MisspeltKey_SuggestsTheRightOne()
    {
        var path = _dir.Write("pier.yaml", Minimal + "https: { domain: [api.example.com] }\n");

        var errors = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors;

        Assert.Contains(errors, e => e.Field == "https.domain" && e.Message.Contains("did you mean 'domains'?"));
    }

    [Theory]
    [InlineData("https: { email: ops@example.com }\n", 5, 8, "https.domains", "missing `domains`")]
    [InlineData("https: { domains: [] }\n", 5, 19, "https.domains", "expected at least one domain name")]
    [InlineData("https: { domains: ['https://api.example.com'] }\n", 5, 20, "https.domains.1", "expected a domain name")]
    [InlineData("https: { domains: ['*.example.com'] }\n", 5, 20, "https.domains.1", "without scheme, port or wildcard")]
    [InlineData("https: { domains: [api.example.com], email: ops }\n", 5, 45, "https.email", "expected an email address")]
    [InlineData("https: { domains: [api.example.com], ca: letsencrypt-prod }\n", 5, 42, "https.ca", "expected letsencrypt, letsencrypt-staging, internal")]
    [InlineData("https: { domains: [api.example.com], ca: 'http://acme.local/dir' }\n", 5, 42, "https.ca", "https:// ACME directory URL")]
    [InlineData("https: { domains: [api.example.com], ca_root: missing.pem }\n", 5, 47, "https.ca_root", "no such file")]
    [InlineData("https: { domains: [api.example.com], hsts: forever }\n", 5, 44, "https.hsts", "expected a duration")]
    [InlineData("https: { domains: [api.example.com], challenge: dns-01 }\n", 5, 49, "https.challenge", "expected http-01 or tls-alpn-01")]
    [InlineData("https: { certificate: full.pem }\n", 5, 23, "https", "`certificate` and `key` go together")]
    [InlineData("https: { certificate: full.pem, key: key.pem, ca: internal }\n", 5, 51, "https.ca", "exclude each other")]
    [InlineData("listen: { http: 80, https: 443 }\n", 5, 9, "listen.https", "needs an `https` section")]
    [InlineData("https: { domains: [api.example.com] }\nlisten: { https: 70000 }\n", 6, 18, "listen.https", "expected a port from 1 to 65535")]
    public void Load_BadHttpsSection_ReportsOneErrorWithItsPosition(string yaml, int line, int column, string field, string message)
    {
        var path = _dir.Write("pier.yaml", Minimal + yaml);

        var error = Assert.Single(Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors);

        Assert.Equal((line, column, field), (error.Line, error.Column, error.Field));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
