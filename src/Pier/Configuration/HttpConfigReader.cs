using YamlDotNet.RepresentationModel;

namespace Pier.Configuration;

/// <summary>Reads a service's <c>http</c> section: its health check and the hosts it answers.</summary>
internal sealed class HttpConfigReader(ConfigNodeReader reader)
{
    private const string HealthPathExpected = "expected a path starting with /, like /healthz";

    public HttpConfig? Read(YamlNode node, string field)
    {
        if (reader.Mapping(node, field, "expected a mapping; write `http: {}` for an HTTP service without a health check") is not { } mapping)
        {
            return null;
        }

        var fields = reader.Fields(mapping, field, ["health", "hosts"]);
        var health = fields.TryGetValue("health", out var healthNode) ? ReadHealth(healthNode, $"{field}.health") : null;
        var hosts = new List<string>();
        if (fields.TryGetValue("hosts", out var hostsNode)
            && reader.TextList(hostsNode, $"{field}.hosts", "expected a list of host names") is { } items)
        {
            var number = 0;
            foreach (var (host, hostNode) in items)
            {
                number++;
                if (IsHostName(host))
                {
                    hosts.Add(host);
                }
                else
                {
                    reader.Error(hostNode, $"{field}.hosts.{number}", "expected a host name like api.example.com, without scheme or port");
                }
            }
        }

        return new HttpConfig(health, hosts);
    }

    private static bool IsHostName(string host)
    {
        // A leading *. matches any subdomain, as in YARP's host matching.
        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        return Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4;
    }

    private HealthCheckConfig? ReadHealth(YamlNode node, string field)
    {
        if (node is YamlScalarNode)
        {
            return ReadHealthPath(node, field) is { } path
                ? new HealthCheckConfig(path, HealthCheckConfig.DefaultInterval, HealthCheckConfig.DefaultTimeout, HealthCheckConfig.DefaultFailures)
                : null;
        }

        if (reader.Mapping(node, field, $"{HealthPathExpected}, or a mapping with path, interval, timeout and failures") is not { } mapping)
        {
            return null;
        }

        var fields = reader.Fields(mapping, field, ["path", "interval", "timeout", "failures"]);
        string? healthPath = null;
        if (fields.TryGetValue("path", out var pathNode))
        {
            healthPath = ReadHealthPath(pathNode, $"{field}.path");
        }
        else
        {
            reader.Error(node, field, "missing `path`: the URL path to check, like /healthz");
        }

        var interval = fields.TryGetValue("interval", out var intervalNode) ? reader.Duration(intervalNode, $"{field}.interval") : null;
        var timeout = fields.TryGetValue("timeout", out var timeoutNode) ? reader.Duration(timeoutNode, $"{field}.timeout") : null;
        var failures = fields.TryGetValue("failures", out var failuresNode) ? reader.WholeNumber(failuresNode, $"{field}.failures", 1, 100) : null;
        return healthPath is null
            ? null
            : new HealthCheckConfig(
                healthPath,
                interval ?? HealthCheckConfig.DefaultInterval,
                timeout ?? HealthCheckConfig.DefaultTimeout,
                failures ?? HealthCheckConfig.DefaultFailures);
    }

    private string? ReadHealthPath(YamlNode node, string field)
    {
        if (reader.Text(node, field, HealthPathExpected) is not { } path)
        {
            return null;
        }

        if (!path.StartsWith('/') || path.Any(char.IsWhiteSpace))
        {
            reader.Error(node, field, HealthPathExpected);
            return null;
        }

        return path;
    }
}
