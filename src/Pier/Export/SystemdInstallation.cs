using System.Diagnostics;
using Pier.Configuration;

namespace Pier.Export;

/// <summary>
/// Where a config's unit goes and the systemctl commands that enable or disable it. The commands
/// run only where systemd is the init system; elsewhere (a container, a chroot) they are printed.
/// </summary>
internal sealed class SystemdInstallation(PierConfig config, bool userUnit, string? unitDirectory)
{
    public string UnitName => SystemdUnit.Name(config);

    public string UnitDirectory => unitDirectory is not null
        ? Path.GetFullPath(unitDirectory)
        : userUnit
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "systemd", "user")
            : "/etc/systemd/system";

    public string UnitPath => Path.Combine(UnitDirectory, UnitName);

    /// <summary>The same test as sd_booted(3): systemd creates this directory when it boots the machine.</summary>
    public static bool SystemdIsRunning => Directory.Exists("/run/systemd/system");

    public IReadOnlyList<string[]> EnableCommands => [SystemctlCommand("daemon-reload"), SystemctlCommand("enable", "--now", UnitName)];

    public IReadOnlyList<string[]> DisableCommands => [SystemctlCommand("disable", "--now", UnitName)];

    public IReadOnlyList<string[]> AfterRemovalCommands => [SystemctlCommand("daemon-reload")];

    /// <summary>
    /// Who Pier runs as in a system unit: root when a service names a <c>user:</c> (switching users
    /// takes root), else the owner of the config file, who owns the app.
    /// </summary>
    public static async Task<string> DefaultRunAsAsync(PierConfig config)
    {
        if (SystemdUnit.NeedsRoot(config))
            return "root";
        var (code, output) = await RunAsync(["stat", "--format=%U", config.FilePath]);
        return code == 0 && output.Trim() is { Length: > 0 } owner && owner != "UNKNOWN" ? owner : "root";
    }

    public static string Format(string[] command) => string.Join(' ', command);

    /// <summary>Runs one command to its end; the exit code and what it printed, stdout and stderr together.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in command.Skip(1))
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private string[] SystemctlCommand(params string[] args) => userUnit ? ["systemctl", "--user", .. args] : ["systemctl", .. args];
}
