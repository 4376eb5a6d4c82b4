using System.CommandLine;
using Pier.Export;

namespace Pier.Cli;

/// <summary>`pier uninstall`: stop, disable and remove what `pier install` put in place.</summary>
internal static class UninstallCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var user = new Option<bool>("--user") { Description = "The unit was installed with --user" };
        var unitDir = new Option<string?>("--unit-dir") { Description = "The unit is here [default: /etc/systemd/system, or ~/.config/systemd/user with --user]", HelpName = "DIR" };
        var command = new Command("uninstall", """
            Stop and disable the systemd unit of this config and remove it. Where systemd is not running,
            remove the file and print the commands to run.

            Example:
              sudo pier uninstall -c /srv/shop/pier.yaml
            """)
        { config, user, unitDir };
        command.SetAction(async (parse, _) =>
        {
            var loaded = ConfigLocator.LoadOrReport(parse.GetValue(config), null, Console.Error);
            if (loaded is null)
                return ExitCodes.UsageOrConfig;
            var installation = new SystemdInstallation(loaded, parse.GetValue(user), parse.GetValue(unitDir));
            if (!File.Exists(installation.UnitPath))
            {
                await Console.Error.WriteLineAsync($"pier: {installation.UnitPath} does not exist; nothing to uninstall");
                return ExitCodes.Failed;
            }
            var stopped = await Systemctl.RunOrPrintAsync(installation.DisableCommands, $"{installation.UnitName} is stopped and disabled");
            if (stopped != ExitCodes.Ok)
                return stopped;
            File.Delete(installation.UnitPath);
            Console.WriteLine($"removed {installation.UnitPath}");
            return await Systemctl.RunOrPrintAsync(installation.AfterRemovalCommands, "systemd has forgotten it");
        });
        return command;
    }
}
