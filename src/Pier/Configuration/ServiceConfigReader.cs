using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Pier.Configuration;

/// <summary>Reads one entry of <c>services</c> into a <see cref="ServiceConfig"/>.</summary>
/// <param name="baseDirectory">Absolute directory of pier.yaml; relative paths start here.</param>
/// <param name="displayDirectory">The same directory as the user named it, for env file errors.</param>
internal sealed class ServiceConfigReader(ConfigNodeReader reader, string baseDirectory, string displayDirectory)
{
    public const int MaxWorkers = 1000;

    private const string BackoffExpected = "expected a range like 1s..60s";
    private const string GiveUpExpected = "expected a crash count and a window like '5 in 1m', or 'never'";

    private static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(10);

    private static readonly string[] ServiceKeys =
        ["run", "dir", "env", "env_file", "workers", "http", "memory", "stop", "restart", "user", "max_surge", "ready_timeout", "url"];

    /// <returns>The service, or null when it has errors (they are in the reader).</returns>
    public ServiceConfig? Read(string name, YamlNode nameNode, YamlNode node)
    {
        var path = $"services.{name}";
        var errorsBefore = reader.Errors.Count;
        if (!NameRules.IsValidName(name))
        {
            reader.Error(nameNode, path, $"invalid service name; {NameRules.NameExpected}");
        }

        if (reader.Mapping(node, path, "expected a mapping with at least `run`") is not { } mapping)
        {
            return null;
        }

        var fields = reader.Fields(mapping, path, ServiceKeys);
        string? run = null;
        Uri? upstream = null;
        if (fields.TryGetValue("url", out var urlNode))
        {
            upstream = ReadUpstream(urlNode, $"{path}.url");
            if (fields.ContainsKey("run"))
            {
                reader.Error(urlNode, $"{path}.url", "a service either runs a command (`run`) or forwards to a `url`, not both");
            }

            run = "";
        }
        else if (fields.TryGetValue("run", out var runNode))
        {
            run = reader.Text(runNode, $"{path}.run", "expected the command that starts the service");
            if (run is not null && RunVariables.MentionsSocket(run))
            {
                if (RunVariables.MentionsPort(run))
                {
                    reader.Error(runNode, $"{path}.run", "uses both $PORT and $SOCKET; a worker listens on one: a loopback port ($PORT) or a Unix socket ($SOCKET)");
                }
                else if (!fields.ContainsKey("http"))
                {
                    reader.Error(runNode, $"{path}.run", "uses $SOCKET, which only an HTTP service gets; add `http: {}` to put it behind the front door");
                }
            }
        }
        else
        {
            reader.Error(nameNode, path, "missing `run`: the command that starts the service (or `url` for one Pier only forwards to)");
        }

        var directory = fields.TryGetValue("dir", out var dirNode) ? ReadDirectory(dirNode, $"{path}.dir") : baseDirectory;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (fields.TryGetValue("env_file", out var envFileNode))
        {
            ReadEnvFile(envFileNode, $"{path}.env_file", env);
        }

        if (fields.TryGetValue("env", out var envNode))
        {
            ReadEnv(envNode, $"{path}.env", env);
        }

        var (workers, autoscale) = fields.TryGetValue("workers", out var workersNode) ? new WorkersConfigReader(reader).Read(workersNode, $"{path}.workers") : (1, null);
        var http = fields.TryGetValue("http", out var httpNode) ? new HttpConfigReader(reader).Read(httpNode, $"{path}.http") : null;
        var stopTimeout = fields.TryGetValue("stop", out var stopNode) ? ReadStop(stopNode, $"{path}.stop") : DefaultStopTimeout;
        var restart = fields.TryGetValue("restart", out var restartNode) ? ReadRestart(restartNode, $"{path}.restart") : RestartPolicy.Default;

        var memory = fields.TryGetValue("memory", out var memoryNode) ? ReadMemory(memoryNode, $"{path}.memory") : MemoryConfig.None;
        var user = fields.TryGetValue("user", out var userNode)
            ? reader.Text(userNode, $"{path}.user", "expected a user name or numeric id")
            : null;

        var deploy = new DeployPolicy(
            fields.TryGetValue("max_surge", out var surgeNode) ? reader.WholeNumber(surgeNode, $"{path}.max_surge", 1, MaxWorkers) ?? 1 : DeployPolicy.Default.MaxSurge,
            fields.TryGetValue("ready_timeout", out var readyNode) ? reader.Duration(readyNode, $"{path}.ready_timeout") ?? DeployPolicy.Default.ReadyTimeout : DeployPolicy.Default.ReadyTimeout);

        if (upstream is not null)
        {
            // Nothing to run: no workers, and always behind the front door.
            workers = 0;
            http ??= new HttpConfig(null, []);
        }
        else if (http is not null && run is not null && RunVariables.MentionsSocket(run))
        {
            http = http with { UnixSocket = true };
        }

        return reader.Errors.Count > errorsBefore || run is null
            ? null
            : new ServiceConfig(name, run, directory, env, workers, http, stopTimeout, restart, memory, user, deploy, autoscale,
                WorkersAuto: workersNode is YamlScalarNode { Value: "auto" }, Upstream: upstream);
    }

    private Uri? ReadUpstream(YamlNode node, string field)
    {
        if (reader.Text(node, field, "expected a URL like http://api:8000") is not { } text)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.AbsolutePath == "/" && url.Query.Length == 0)
        {
            return url;
        }

        reader.Error(node, field, "expected a URL like http://api:8000 (scheme, host and port; no path)");
        return null;
    }

    private string ReadDirectory(YamlNode node, string field)
    {
        if (reader.Text(node, field, "expected a directory path") is not { } dir)
        {
            return baseDirectory;
        }

        var full = Path.GetFullPath(Path.Combine(baseDirectory, dir));
        if (!Directory.Exists(full))
        {
            reader.Error(node, field, $"no such directory: {full}");
        }

        return full;
    }

    private void ReadEnvFile(YamlNode node, string field, Dictionary<string, string> env)
    {
        if (reader.Text(node, field, "expected a file path") is not { } envFile)
        {
            return;
        }

        var full = Path.GetFullPath(Path.Combine(baseDirectory, envFile));
        if (!File.Exists(full))
        {
            reader.Error(node, field, $"no such file: {full}");
            return;
        }

        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reader.Error(node, field, $"cannot read {full}: {e.Message}");
            return;
        }

        var display = Path.IsPathRooted(envFile) ? envFile : Path.Join(displayDirectory, envFile);
        foreach (var (key, value) in DotEnvFile.Parse(text, display, field, reader.Errors))
        {
            env[key] = value;
        }
    }

    private void ReadEnv(YamlNode node, string field, Dictionary<string, string> env)
    {
        if (reader.Mapping(node, field, "expected a mapping of variable names to values") is not { } mapping)
        {
            return;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var keyField = ConfigNodeReader.Join(field, key);
            if (!NameRules.IsValidEnvName(key))
            {
                reader.Error(keyNode, keyField, $"'{key}' {NameRules.EnvNameExpected}");
            }
            else if (valueNode is not YamlScalarNode scalar)
            {
                reader.Error(valueNode, keyField, "expected a string, number or boolean");
            }
            else
            {
                env[key] = ConfigNodeReader.IsNull(scalar) ? "" : scalar.Value!;
            }
        }
    }

    private TimeSpan ReadStop(YamlNode node, string field)
    {
        if (reader.Mapping(node, field, "expected a mapping like { timeout: 30s }") is not { } mapping)
        {
            return DefaultStopTimeout;
        }

        var fields = reader.Fields(mapping, field, ["timeout"]);
        return fields.TryGetValue("timeout", out var timeoutNode)
            ? reader.Duration(timeoutNode, $"{field}.timeout") ?? DefaultStopTimeout
            : DefaultStopTimeout;
    }

    private RestartPolicy ReadRestart(YamlNode node, string field)
    {
        var policy = RestartPolicy.Default;
        if (reader.Mapping(node, field, "expected a mapping like { backoff: 1s..60s, give_up: 5 in 1m }") is not { } mapping)
        {
            return policy;
        }

        var fields = reader.Fields(mapping, field, ["backoff", "give_up"]);
        if (fields.TryGetValue("backoff", out var backoffNode) && ReadBackoff(backoffNode, $"{field}.backoff") is { } backoff)
        {
            policy = policy with { BackoffMin = backoff.Min, BackoffMax = backoff.Max };
        }

        if (fields.TryGetValue("give_up", out var giveUpNode) && ReadGiveUp(giveUpNode, $"{field}.give_up") is { } giveUp)
        {
            policy = policy with { GiveUpCount = giveUp.Count, GiveUpWindow = giveUp.Window };
        }

        return policy;
    }

    private (TimeSpan Min, TimeSpan Max)? ReadBackoff(YamlNode node, string field)
    {
        if (reader.Text(node, field, BackoffExpected) is not { } text)
        {
            return null;
        }

        var parts = text.Split("..");
        if (parts.Length != 2 || !Duration.TryParse(parts[0], out var min) || !Duration.TryParse(parts[1], out var max)
            || min <= TimeSpan.Zero)
        {
            reader.Error(node, field, $"{BackoffExpected}: two durations greater than zero");
            return null;
        }

        if (min > max)
        {
            reader.Error(node, field, $"the shortest backoff ({parts[0].Trim()}) is longer than the longest ({parts[1].Trim()})");
            return null;
        }

        return (min, max);
    }

    private (int Count, TimeSpan Window)? ReadGiveUp(YamlNode node, string field)
    {
        if (reader.Text(node, field, GiveUpExpected) is not { } text)
        {
            return null;
        }

        if (text.Trim() == "never")
        {
            return (int.MaxValue, RestartPolicy.Default.GiveUpWindow);
        }

        var parts = text.Split(" in ", 2, StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
            && Duration.TryParse(parts[1], out var window) && window > TimeSpan.Zero)
        {
            return (count, window);
        }

        reader.Error(node, field, GiveUpExpected);
        return null;
    }

    private MemoryConfig ReadMemory(YamlNode node, string field)
    {
        if (reader.Mapping(node, field, "expected a mapping like { limit: 512MiB }") is not { } mapping)
        {
            return MemoryConfig.None;
        }

        var sizes = new Dictionary<string, long?>();
        foreach (var (key, value) in reader.Fields(mapping, field, ["limit", "hard", "expect"]))
        {
            sizes[key] = reader.Size(value, $"{field}.{key}");
        }

        return new MemoryConfig(sizes.GetValueOrDefault("limit"), sizes.GetValueOrDefault("hard"), sizes.GetValueOrDefault("expect"));
    }
}
