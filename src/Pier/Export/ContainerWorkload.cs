using System.Text.RegularExpressions;
using Pier.Configuration;

namespace Pier.Export;

/// <summary>
/// One Pier service as a container runs it: one worker per container (replicas take the place of
/// workers), on a fixed port, in the image's copy of the config's directory.
/// </summary>
internal sealed partial class ContainerWorkload(PierConfig config, ServiceConfig service)
{
    /// <summary>Every HTTP container listens here; a container has its own network namespace, so they never collide.</summary>
    public const int Port = 8000;

    /// <summary>Where the image holds the directory of pier.yaml (the example Dockerfile copies it there).</summary>
    public const string AppRoot = "/app";

    public ServiceConfig Service => service;

    public bool IsHttp => service.Http is not null;

    public string WorkingDirectory => InImage(service.Directory);

    /// <summary>
    /// The service's run line with <c>$PORT</c> filled in. A bind to loopback becomes a bind to every
    /// address: in a container the probes and the other containers reach the app from outside it.
    /// </summary>
    public IReadOnlyList<string> Command
    {
        get
        {
            var line = IsHttp ? RunVariables.ReplacePort(service.Run, Port) : service.Run;
            return ["/bin/sh", "-c", LoopbackBind().Replace(line, "${1}0.0.0.0")];
        }
    }

    /// <summary>The service's environment (env_file and env merged), with PORT for an HTTP service.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment
    {
        get
        {
            var env = service.Env.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            if (IsHttp)
                env.Insert(0, new("PORT", Port.ToString()));
            return env;
        }
    }

    /// <summary>A path on this server as the image holds it: under <see cref="AppRoot"/> when inside the config's directory.</summary>
    public string InImage(string path)
    {
        var relative = Path.GetRelativePath(config.BaseDirectory, path);
        return relative == "." ? AppRoot
            : relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path
            : $"{AppRoot}/{relative}";
    }

    [GeneratedRegex(@"(--host[= ]|--bind[= ]|-b |https?://)(127\.0\.0\.1|localhost)(?=[\s:/]|$)")]
    private static partial Regex LoopbackBind();
}
