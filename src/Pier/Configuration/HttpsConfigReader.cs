using YamlDotNet.RepresentationModel;

namespace Pier.Configuration;

/// <summary>Reads the <c>https</c> section into an <see cref="HttpsConfig"/>.</summary>
/// <param name="baseDirectory">Absolute directory of pier.yaml; relative paths start here.</param>
internal sealed class HttpsConfigReader(ConfigNodeReader reader, string baseDirectory)
{
    private const string CaExpected = "expected letsencrypt, letsencrypt-staging, internal, or an https:// ACME directory URL";

    private static readonly string[] Keys = ["domains", "email", "ca", "ca_root", "certificate", "key", "hsts", "challenge"];

    /// <returns>The section, or null when it has errors (they are in the reader).</returns>
    public HttpsConfig? Read(YamlNode node)
    {
        var errorsBefore = reader.Errors.Count;
        if (reader.Mapping(node, "https", "expected a mapping like { domains: [api.example.com], email: ops@example.com }") is not { } mapping)
        {
            return null;
        }

        var fields = reader.Fields(mapping, "https", Keys);
        var domains = fields.TryGetValue("domains", out var domainsNode) ? ReadDomains(domainsNode) : [];
        string? email = null;
        if (fields.TryGetValue("email", out var emailNode) && reader.Text(emailNode, "https.email", "expected an email address") is { } text)
        {
            if (text.Contains('@') && !text.Contains(' '))
            {
                email = text;
            }
            else
            {
                reader.Error(emailNode, "https.email", "expected an email address like ops@example.com");
            }
        }

        var ca = fields.TryGetValue("ca", out var caNode) ? ReadCa(caNode) : "letsencrypt";
        var caRoot = fields.TryGetValue("ca_root", out var caRootNode) ? ReadFile(caRootNode, "https.ca_root") : null;
        var certificate = fields.TryGetValue("certificate", out var certificateNode) ? ReadPath(certificateNode, "https.certificate") : null;
        var key = fields.TryGetValue("key", out var keyNode) ? ReadPath(keyNode, "https.key") : null;
        var hsts = fields.TryGetValue("hsts", out var hstsNode) ? ReadHsts(hstsNode) : HttpsConfig.DefaultHsts;
        string? challenge = null;
        if (fields.TryGetValue("challenge", out var challengeNode) && reader.Text(challengeNode, "https.challenge") is { } c)
        {
            if (c is HttpsConfig.Http01 or HttpsConfig.TlsAlpn01)
            {
                challenge = c;
            }
            else
            {
                reader.Error(challengeNode, "https.challenge", "expected http-01 or tls-alpn-01");
            }
        }

        if ((certificateNode is null) != (keyNode is null))
        {
            reader.Error(certificateNode ?? keyNode!, "https", "`certificate` and `key` go together: give both PEM files, or neither to get certificates from `ca`");
        }
        else if (certificateNode is not null && caNode is not null)
        {
            reader.Error(caNode, "https.ca", "`ca` and `certificate`/`key` exclude each other: Pier either gets certificates or uses the files");
        }
        else if (certificateNode is null && domainsNode is null)
        {
            reader.Error(node, "https.domains", "missing `domains`: the names to get certificates for, like [api.example.com]");
        }

        return reader.Errors.Count == errorsBefore
            ? new HttpsConfig(domains, email, ca, caRoot, certificate, key, hsts, challenge)
            : null;
    }

    private List<string> ReadDomains(YamlNode node)
    {
        var domains = new List<string>();
        var number = 0;
        foreach (var (domain, domainNode) in reader.TextList(node, "https.domains", "expected a list of domain names") ?? [])
        {
            number++;
            if (Uri.CheckHostName(domain) == UriHostNameType.Dns && domain.Contains('.'))
            {
                domains.Add(domain.ToLowerInvariant());
            }
            else
            {
                reader.Error(domainNode, $"https.domains.{number}", "expected a domain name like api.example.com, without scheme, port or wildcard");
            }
        }

        if (domains.Count == 0 && number == 0)
        {
            reader.Error(node, "https.domains", "expected at least one domain name");
        }
        return domains;
    }

    private string ReadCa(YamlNode node)
    {
        if (reader.Text(node, "https.ca", CaExpected) is not { } ca)
        {
            return "letsencrypt";
        }
        if (ca is "letsencrypt" or "letsencrypt-staging" or HttpsConfig.Internal)
        {
            return ca;
        }
        if (Uri.TryCreate(ca, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps)
        {
            return ca;
        }
        reader.Error(node, "https.ca", CaExpected);
        return "letsencrypt";
    }

    private string? ReadPath(YamlNode node, string field) =>
        reader.Text(node, field, "expected a file path") is { } path ? Path.GetFullPath(Path.Combine(baseDirectory, path)) : null;

    private string? ReadFile(YamlNode node, string field)
    {
        var path = ReadPath(node, field);
        if (path is not null && !File.Exists(path))
        {
            reader.Error(node, field, $"no such file: {path}");
        }
        return path;
    }

    private TimeSpan? ReadHsts(YamlNode node)
    {
        if (node is YamlScalarNode { Value: "off" or "false" })
        {
            return null;
        }
        return reader.Duration(node, "https.hsts") ?? HttpsConfig.DefaultHsts;
    }
}
