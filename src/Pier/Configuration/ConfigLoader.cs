using System.Net;
using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Pier.Configuration;

/// <summary>
/// Loads and validates pier.yaml. Every problem is collected with its file, line, column and
/// field before anything is thrown, so one run of <c>pier check</c> shows all of them.
/// </summary>
internal sealed class ConfigLoader
{
    private const string ListenExpected =
        "expected a port from 1 to 65535, or an address and port like 127.0.0.1:8080 (quote IPv6 addresses: \"[::1]:8080\")";

    private static readonly string[] TopLevelKeys = ["name", "services", "before", "before_timeout", "lock", "listen", "state", "https", "admin", "logs"];

    private readonly ConfigNodeReader _reader;
    private readonly string _baseDirectory;
    private readonly string _displayFile;

    private ConfigLoader(string displayFile, string baseDirectory)
    {
        _reader = new ConfigNodeReader(displayFile);
        _displayFile = displayFile;
        _baseDirectory = baseDirectory;
    }

    /// <summary>Reads the config file at <paramref name="path"/>.</summary>
    /// <param name="stateDirectoryOverride">Wins over the file's <c>state</c> (from --state).</param>
    /// <exception cref="ConfigException">The file is missing, unreadable or invalid.</exception>
    public static PierConfig Load(string path, string? stateDirectoryOverride = null)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw FileError("pier.yaml", "no config file given");
        }

        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            throw FileError(path, "is a directory; expected the path of a pier.yaml file");
        }

        if (!File.Exists(fullPath))
        {
            throw FileError(path, "no such file; run `pier init` to create one");
        }

        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileError(path, $"cannot read: {e.Message}");
        }

        var loader = new ConfigLoader(path, Path.GetDirectoryName(fullPath)!);
        var config = loader.Read(text, fullPath, stateDirectoryOverride);
        return loader._reader.Errors.Count == 0 && config is not null
            ? config
            : throw new ConfigException(loader._reader.Errors);
    }

    private static ConfigException FileError(string path, string message) =>
        new([new ConfigError(path, 0, 0, "", message)]);

    private PierConfig? Read(string text, string fullPath, string? stateDirectoryOverride)
    {
        if (YamlDocumentReader.Read(text, _displayFile, _reader.Errors) is not { } root)
        {
            return null;
        }

        if (_reader.Mapping(root, "", "expected a mapping with at least `name` and `services`") is not { } mapping)
        {
            return null;
        }

        var fields = _reader.Fields(mapping, "", TopLevelKeys);
        var name = ReadName(fields, root);
        var services = ReadServices(fields, root);
        var before = fields.TryGetValue("before", out var beforeNode) ? ReadBefore(beforeNode) : [];
        var listen = fields.TryGetValue("listen", out var listenNode) ? ReadListen(listenNode) : new ListenConfig(null, ListenConfig.DefaultHttpPort);
        var state = ReadStateDirectory(fields, stateDirectoryOverride);
        var beforePolicy = ReadBeforePolicy(fields);
        var https = fields.TryGetValue("https", out var httpsNode) ? new HttpsConfigReader(_reader, _baseDirectory).Read(httpsNode) : null;
        listen = WithHttps(listen, https, fields.ContainsKey("https"), fields.GetValueOrDefault("listen"));
        var logs = fields.TryGetValue("logs", out var logsNode) ? ReadLogs(logsNode) : LogsConfig.Default;

        var admin = fields.TryGetValue("admin", out var adminNode) ? ReadAdmin(adminNode) : AdminConfig.Default;

        return name is null
            ? null
            : new PierConfig(name, fullPath, state, services, before, listen, https, beforePolicy, admin, logs);
    }

    private string? ReadName(Dictionary<string, YamlNode> fields, YamlNode root)
    {
        if (!fields.TryGetValue("name", out var node))
        {
            _reader.Error(root, "name", "missing `name`: it names the control socket, the systemd unit and exported objects");
            return null;
        }

        if (_reader.Text(node, "name", $"expected a name; {NameRules.NameExpected}") is not { } name)
        {
            return null;
        }

        if (!NameRules.IsValidName(name))
        {
            _reader.Error(node, "name", $"invalid name '{name}'; {NameRules.NameExpected}");
            return null;
        }

        return name;
    }

    private List<ServiceConfig> ReadServices(Dictionary<string, YamlNode> fields, YamlNode root)
    {
        var services = new List<ServiceConfig>();
        if (!fields.TryGetValue("services", out var node))
        {
            _reader.Error(root, "services", "missing `services`: at least one service with a `run` command");
            return services;
        }

        if (_reader.Mapping(node, "services", "expected a mapping of service names to services") is not { } mapping)
        {
            return services;
        }

        if (mapping.Children.Count == 0)
        {
            _reader.Error(node, "services", "expected at least one service");
            return services;
        }

        var serviceReader = new ServiceConfigReader(_reader, _baseDirectory, Path.GetDirectoryName(_displayFile) ?? "");
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } serviceName })
            {
                _reader.Error(keyNode, "services", "expected a service name");
                continue;
            }

            if (serviceReader.Read(serviceName, keyNode, valueNode) is { } service)
            {
                services.Add(service);
            }
        }

        return services;
    }

    private List<BeforeStep> ReadBefore(YamlNode node)
    {
        var steps = new List<BeforeStep>();
        foreach (var (run, _) in _reader.TextList(node, "before", "expected a list of commands (strings)") ?? [])
        {
            steps.Add(new BeforeStep(steps.Count + 1, run));
        }

        return steps;
    }

    private ListenConfig ReadListen(YamlNode node)
    {
        var listen = new ListenConfig(null, ListenConfig.DefaultHttpPort);
        if (_reader.Mapping(node, "listen", "expected a mapping like { http: 80 }") is not { } mapping)
        {
            return listen;
        }

        var fields = _reader.Fields(mapping, "listen", ["http", "https"]);
        if (fields.TryGetValue("http", out var httpNode) && ReadEndpoint(httpNode, "listen.http") is { } http)
        {
            listen = new ListenConfig(http.Address, http.Port);
        }

        if (fields.TryGetValue("https", out var httpsNode) && ReadEndpoint(httpsNode, "listen.https") is { } https)
        {
            listen = listen with { HttpsAddress = https.Address, HttpsPort = https.Port };
        }

        return listen;
    }

    private AdminConfig ReadAdmin(YamlNode node)
    {
        if (_reader.Mapping(node, "admin", "expected a mapping like { listen: 127.0.0.1:9180 }") is not { } mapping)
        {
            return AdminConfig.Default;
        }

        var fields = _reader.Fields(mapping, "admin", ["listen", "token", "metrics"]);
        var admin = AdminConfig.Default;
        if (fields.TryGetValue("listen", out var listenNode) && ReadEndpoint(listenNode, "admin.listen") is { } endpoint)
        {
            admin = new AdminConfig(endpoint.Address ?? "0.0.0.0", endpoint.Port, true);
        }

        if (fields.TryGetValue("token", out var tokenNode))
        {
            switch ((tokenNode as YamlScalarNode)?.Value)
            {
                case "on":
                    break;
                case "off" when admin.IsLoopback:
                    admin = admin with { RequireToken = false };
                    break;
                case "off":
                    _reader.Error(tokenNode, "admin.token", $"the admin API on {admin.Address} is reachable from other hosts; it needs its token (remove `token: off` or listen on 127.0.0.1)");
                    break;
                default:
                    _reader.Error(tokenNode, "admin.token", "expected on or off");
                    break;
            }
        }

        if (fields.TryGetValue("metrics", out var metricsNode))
        {
            switch ((metricsNode as YamlScalarNode)?.Value)
            {
                case "open":
                    break;
                case "token":
                    admin = admin with { MetricsOpen = false };
                    break;
                default:
                    _reader.Error(metricsNode, "admin.metrics", "expected open (no token for /metrics) or token");
                    break;
            }
        }

        return admin;
    }

    /// <summary>An <c>https</c> section opens the HTTPS listener, on 443 unless <c>listen.https</c> says otherwise.</summary>
    private ListenConfig WithHttps(ListenConfig listen, HttpsConfig? https, bool hasHttpsSection, YamlNode? listenNode)
    {
        if (https is not null)
        {
            return listen.HttpsPort is null ? listen with { HttpsPort = ListenConfig.DefaultHttpsPort } : listen;
        }

        if (listen.HttpsPort is not null && listenNode is not null && !hasHttpsSection)
        {
            _reader.Error(listenNode, "listen.https", "an HTTPS listener needs an `https` section with the domains or the certificate files");
        }

        return listen with { HttpsAddress = null, HttpsPort = null };
    }

    private LogsConfig ReadLogs(YamlNode node)
    {
        var logs = LogsConfig.Default;
        if (_reader.Mapping(node, "logs", "expected a mapping like { max_size: 50MiB, keep: 5, format: text }") is not { } mapping)
        {
            return logs;
        }

        var fields = _reader.Fields(mapping, "logs", ["max_size", "keep", "format"]);
        if (fields.TryGetValue("max_size", out var sizeNode) && _reader.Size(sizeNode, "logs.max_size") is { } size)
        {
            // Smaller than a few lines would rotate on every line and keep almost nothing.
            if (size < 4096)
            {
                _reader.Error(sizeNode, "logs.max_size", "expected at least 4KiB");
            }
            else
            {
                logs = logs with { MaxSize = size };
            }
        }

        if (fields.TryGetValue("keep", out var keepNode) && _reader.WholeNumber(keepNode, "logs.keep", 0, 1000) is { } keep)
        {
            logs = logs with { Keep = keep };
        }

        if (fields.TryGetValue("format", out var formatNode))
        {
            switch ((formatNode as YamlScalarNode)?.Value)
            {
                case "text":
                    logs = logs with { Format = LogFormat.Text };
                    break;
                case "json":
                    logs = logs with { Format = LogFormat.Json };
                    break;
                default:
                    _reader.Error(formatNode, "logs.format", "expected text or json");
                    break;
            }
        }

        return logs;
    }

    private (string? Address, int Port)? ReadEndpoint(YamlNode node, string field)
    {
        if (node is YamlScalarNode { Value: { } text } && ParseEndpoint(text) is { } endpoint)
        {
            return endpoint;
        }

        // An unquoted [::1] is a YAML list, so the message says to quote IPv6 addresses.
        _reader.Error(node, field, ListenExpected);
        return null;
    }

    private static (string? Address, int Port)? ParseEndpoint(string text)
    {
        if (TryParsePort(text, out var port))
        {
            return (null, port);
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !TryParsePort(text[(colon + 1)..], out port))
        {
            return null;
        }

        var host = text[..colon];
        var bracketed = host.StartsWith('[') && host.EndsWith(']');
        if (bracketed)
        {
            host = host[1..^1];
        }

        // An IPv6 address needs brackets, otherwise its own colons make the port ambiguous.
        return IPAddress.TryParse(host, out var address)
               && bracketed == (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            ? (host, port)
            : null;
    }

    private static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    /// <summary>
    /// The lock defaults to a file in the state directory the file itself names (not a --state
    /// override), so every Pier started on this config shares it.
    /// </summary>
    private BeforePolicy ReadBeforePolicy(Dictionary<string, YamlNode> fields)
    {
        var timeout = fields.TryGetValue("before_timeout", out var timeoutNode)
            ? _reader.Duration(timeoutNode, "before_timeout") ?? BeforePolicy.DefaultTimeout
            : BeforePolicy.DefaultTimeout;
        var configured = fields.TryGetValue("lock", out var lockNode)
            ? _reader.Text(lockNode, "lock", "expected a lock file path or a postgres:// URL")
            : null;
        // The state field's own errors are reported by ReadStateDirectory; here only its value matters.
        var declaredState = fields.TryGetValue("state", out var stateNode) && stateNode is YamlScalarNode { Value: { Length: > 0 } value } ? value : ".pier";
        var policy = new BeforePolicy(timeout, Path.GetFullPath(Path.Combine(_baseDirectory, declaredState, "before.lock")));
        if (configured is null)
        {
            return policy;
        }

        policy = policy with { Lock = configured };
        if ((!policy.LockIsPostgres && configured.Contains("://", StringComparison.Ordinal))
            || (policy.LockIsPostgres && !Uri.TryCreate(configured, UriKind.Absolute, out _)))
        {
            _reader.Error(lockNode!, "lock", "expected a lock file path or a URL like postgres://user@host:5432/database");
        }

        return policy.LockIsPostgres ? policy : policy with { Lock = Path.GetFullPath(Path.Combine(_baseDirectory, configured)) };
    }

    private string ReadStateDirectory(Dictionary<string, YamlNode> fields, string? stateDirectoryOverride)
    {
        var configured = fields.TryGetValue("state", out var node)
            ? _reader.Text(node, "state", "expected a directory path")
            : null;
        if (stateDirectoryOverride is not null)
        {
            return Path.GetFullPath(stateDirectoryOverride);
        }

        return Path.GetFullPath(Path.Combine(_baseDirectory, configured ?? ".pier"));
    }
}
