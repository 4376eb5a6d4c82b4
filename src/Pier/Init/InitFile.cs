using System.Text;
using System.Text.RegularExpressions;

namespace Pier.Init;

/// <summary>Writes an <see cref="InitPlan"/> as a commented pier.yaml that `pier check` accepts as it is.</summary>
internal static partial class InitFile
{
    public static string Render(InitPlan plan, string name, int port)
    {
        var yaml = new StringBuilder();
        yaml.Append("# Pier config written by `pier init` for ").Append(plan.Kind).Append(".\n");
        yaml.Append("# Check it with `pier check`, run it with `pier up`; every key is in Pier's README.\n");
        foreach (var note in plan.Notes)
            yaml.Append("# ").Append(note).Append('\n');
        yaml.Append("name: ").Append(name).Append("                # names the instance: state, logs, control socket\n");
        yaml.Append("services:\n");
        foreach (var service in plan.Services)
        {
            yaml.Append("  ").Append(service.Name).Append(":\n");
            yaml.Append("    run: ").Append(Quote(service.Run)).Append('\n');
            yaml.Append("    workers: ").Append(service.Workers).Append("                 # copies side by side; `auto` is one per CPU core\n");
            if (service.Http && service.Health is null)
            {
                yaml.Append("    http: {}                   # gets $PORT on 127.0.0.1, behind the front door; add { health: /healthz }\n");
                yaml.Append("                               # once the app answers 2xx there, so starting workers get no traffic\n");
            }
            else if (service.Http)
            {
                yaml.Append("    http:                      # gets $PORT on 127.0.0.1 and sits behind the front door\n");
                yaml.Append("      health: ").Append(service.Health).Append("          # must answer 2xx before a worker gets traffic\n");
            }
            yaml.Append("    stop: { timeout: 10s }     # SIGTERM, then SIGKILL after this\n");
        }
        if (plan.Before.Count > 0)
        {
            yaml.Append("before:                        # once, in order, before workers start and before each deploy\n");
            foreach (var step in plan.Before)
                yaml.Append("  - ").Append(Quote(step)).Append('\n');
        }
        yaml.Append("listen: { http: ").Append(port).Append(" }           # the public port; 80 needs root or CAP_NET_BIND_SERVICE\n");
        yaml.Append("# logs: { max_size: 50MiB, keep: 5, format: text }   # per-worker files in .pier/logs, rotated by size\n");
        return yaml.ToString();
    }

    /// <summary>A YAML-safe pier or service name from a directory name: my_App → my-app.</summary>
    public static string Name(string directoryName)
    {
        var name = NonName().Replace(directoryName.ToLowerInvariant(), "-").Trim('-');
        if (name.Length == 0 || !char.IsAsciiLetterLower(name[0]))
            name = "app-" + name;
        return name.Length > 40 ? name[..40].TrimEnd('-') : name;
    }

    /// <summary>Double quotes with escapes: a command may hold `: `, `#` or quotes that plain YAML would misread.</summary>
    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex NonName();
}
