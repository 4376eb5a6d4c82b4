using System.CommandLine;
using Spectre.Console;

namespace Pier.Cli;

/// <summary>`pier check`: validate a config without running anything.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var command = new Command("check", """
            Validate a config without running it. Every problem is listed with its file, line and column.
            Exits 0 when the config is valid, 2 when it is not.

            Example:
              pier check -c pier.yaml
            """)
        { config };
        command.SetAction(parse =>
        {
            var loaded = ConfigLocator.LoadOrReport(parse.GetValue(config), null, Console.Error, "fix them and check again");
            if (loaded is null)
                return ExitCodes.UsageOrConfig;
            var workers = loaded.Services.Sum(s => s.Workers);
            AnsiConsole.MarkupLine($"[green]ok[/] {Markup.Escape(loaded.FilePath)}: {loaded.Services.Count} service(s), " +
                $"{workers} worker(s), {loaded.Before.Count} before step(s)");
            return ExitCodes.Ok;
        });
        return command;
    }
}
