using System.CommandLine;
using Pier.Export;

namespace Pier.Cli;

/// <summary>`pier install`: a systemd unit that runs this config at boot and after a crash.</summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var user = new Option<bool>("--user") { Description = "Install for your own systemd (systemctl --user) instead of the system's" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the unit and the commands; change nothing" };
        var runAs = new Option<string?>("--run-as") { Description = "The User= Pier runs as [default: root if a service sets user:, else the config file's owner]", HelpName = "USER" };
        var unitDir = new Option<string?>("--unit-dir") { Description = "Write the unit here [default: /etc/systemd/system, or ~/.config/systemd/user with --user]", HelpName = "DIR" };
        var command = new Command("install", """
            Install a systemd unit (Type=notify, watchdog, restart always, hardened) that runs `pier up` for this
            config, then enable and start it. Where systemd is not running, print the commands to run instead.

            Examples:
              sudo pier install -c /srv/shop/pier.yaml
              pier install --user --dry-run
            """)
        { config, user, dryRun, runAs, unitDir };
        command.SetAction(async (parse, _) =>
        {
            var loaded = ConfigLocator.LoadOrReport(parse.GetValue(config), null, Console.Error);
            if (loaded is null)
                return ExitCodes.UsageOrConfig;
            var installation = new SystemdInstallation(loaded, parse.GetValue(user), parse.GetValue(unitDir));
            var options = new SystemdUnitOptions(PierExecutable.Current(),
                parse.GetValue(runAs) ?? await SystemdInstallation.DefaultRunAsAsync(loaded), parse.GetValue(user));
            var unit = SystemdUnit.Render(loaded, options);
            if (parse.GetValue(dryRun))
            {
                Console.WriteLine($"# {installation.UnitPath}");
                Console.Write(unit);
                Console.WriteLine();
                Console.WriteLine("# then:");
                foreach (var step in installation.EnableCommands)
                    Console.WriteLine(SystemdInstallation.Format(step));
                return ExitCodes.Ok;
            }

            try
            {
                Directory.CreateDirectory(installation.UnitDirectory);
                // ProtectSystem=strict mounts / read-only; a ReadWritePaths= entry that does not exist stops the unit from starting.
                Directory.CreateDirectory(loaded.StateDirectory);
                await File.WriteAllTextAsync(installation.UnitPath, unit);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"pier: cannot write {installation.UnitPath}: {e.Message}" +
                    (parse.GetValue(user) ? "" : "; run it as root (sudo), or use --user"));
                return ExitCodes.Failed;
            }
            Console.WriteLine($"wrote {installation.UnitPath}");
            return await Systemctl.RunOrPrintAsync(installation.EnableCommands,
                $"{installation.UnitName} is enabled and started; see it with `systemctl{(parse.GetValue(user) ? " --user" : "")} status {installation.UnitName}`");
        });
        return command;
    }
}
