using System.Text;
using Pier.Configuration;
using Pier.Supervision;

namespace Pier.Export;

/// <summary>
/// The systemd service unit that runs one config with <c>pier up</c>: started at boot, restarted
/// after a crash, told apart from a hang by the watchdog, stopped with a drain.
/// </summary>
internal static class SystemdUnit
{
    /// <summary>Pier pings at half this interval; a Pier stuck for longer is killed and restarted.</summary>
    public static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(30);

    /// <summary>Before steps (a build, a migration) run before READY=1, so starting may take this long.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);

    public const int OpenFiles = 65536;

    public static string Name(PierConfig config) => $"pier-{config.Name}.service";

    /// <summary>
    /// A stop drains the front door for up to the longest stop timeout, then stops every worker
    /// with its own; systemd must wait for both (and a margin for SIGKILL) before it kills the rest.
    /// </summary>
    public static TimeSpan StopTimeout(PierConfig config) => config.LongestStopTimeout * 2 + TimeSpan.FromSeconds(15);

    /// <summary>Ports below 1024 need root or CAP_NET_BIND_SERVICE.</summary>
    public static bool BindsPrivilegedPort(PierConfig config) =>
        config.Listen.HttpPort < 1024 || config.Https is not null;

    /// <summary>Switching a worker to another <c>user:</c> takes root, so such a config runs Pier as root.</summary>
    public static bool NeedsRoot(PierConfig config) => config.Services.Any(s => s.User is not null);

    public static string Render(PierConfig config, SystemdUnitOptions options)
    {
        var unit = new StringBuilder();
        unit.AppendLine($"# Written by `pier install` for {config.FilePath}; `pier uninstall` removes it.");
        unit.AppendLine("[Unit]");
        unit.AppendLine($"Description=Pier: {config.Name} ({config.FilePath})");
        if (!options.UserUnit)
        {
            // A user manager has no network-online.target; the system one orders us after the network.
            unit.AppendLine("Wants=network-online.target");
            unit.AppendLine("After=network-online.target");
        }
        unit.AppendLine();
        unit.AppendLine("[Service]");
        unit.AppendLine("Type=notify");
        unit.AppendLine("NotifyAccess=main");
        unit.AppendLine($"ExecStart={string.Join(' ', options.PierCommand.Select(Quote))} up -c {Quote(config.FilePath)}");
        unit.AppendLine("ExecReload=/bin/kill -HUP $MAINPID");
        unit.AppendLine($"WorkingDirectory={Quote(config.BaseDirectory)}");
        unit.AppendLine("Restart=always");
        unit.AppendLine("RestartSec=1s");
        unit.AppendLine($"WatchdogSec={Seconds(Watchdog)}");
        // SIGTERM to Pier alone: it drains and stops its workers; whatever is left gets SIGKILL at the timeout.
        unit.AppendLine("KillMode=mixed");
        unit.AppendLine($"TimeoutStartSec={Seconds(StartTimeout)}");
        unit.AppendLine($"TimeoutStopSec={Seconds(StopTimeout(config))}");
        unit.AppendLine($"LimitNOFILE={OpenFiles}");
        if (!options.UserUnit)
        {
            unit.AppendLine($"User={options.RunAs}");
            if (options.RunAs != "root" && BindsPrivilegedPort(config))
                unit.AppendLine("AmbientCapabilities=CAP_NET_BIND_SERVICE");
        }
        if (!options.UserUnit && options.RunAs == "root" && config.Services.Any(s => s.Http?.UnixSocket == true))
        {
            // ProtectSystem=strict leaves /run read-only; as root, Pier keeps its workers' sockets there.
            unit.AppendLine($"RuntimeDirectory={WorkerSockets.RuntimeFolder(config.Name, config.StateDirectory)}");
        }
        unit.AppendLine("NoNewPrivileges=yes");
        unit.AppendLine("ProtectSystem=strict");
        unit.AppendLine($"ReadWritePaths={string.Join(' ', WritablePaths(config).Select(Quote))}");
        unit.AppendLine("PrivateTmp=yes");
        unit.AppendLine("ProtectKernelTunables=yes");
        unit.AppendLine("ProtectControlGroups=yes");
        unit.AppendLine();
        unit.AppendLine("[Install]");
        unit.AppendLine($"WantedBy={(options.UserUnit ? "default.target" : "multi-user.target")}");
        return unit.ToString();
    }

    /// <summary>The state directory and every directory an app or a before step works in, without ones nested in another.</summary>
    public static IReadOnlyList<string> WritablePaths(PierConfig config)
    {
        var paths = new[] { config.StateDirectory, config.BaseDirectory }
            .Concat(config.Services.Select(s => s.Directory))
            .Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p)))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(p => p.Length)
            .ToList();
        var kept = new List<string>();
        foreach (var path in paths)
            if (!kept.Any(k => path.StartsWith(k + "/", StringComparison.Ordinal)))
                kept.Add(path);
        return kept.OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    private static string Seconds(TimeSpan span) => $"{Math.Ceiling(span.TotalSeconds):0}s";

    /// <summary>systemd splits command lines and path lists at spaces; quote what has one.</summary>
    private static string Quote(string word) =>
        word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\') ? "\"" + word.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"" : word;
}
