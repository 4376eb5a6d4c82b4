using System.CommandLine;
using System.Text.Json;
using Pier.Configuration;
using Pier.Control;
using Spectre.Console;

namespace Pier.Cli;

/// <summary>`pier check`: validate a config without running anything.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var json = CliOptions.Json();
        var command = new Command("check", """
            Validate a config without running it. Every problem is listed with its file, line and column.
            Exits 0 when the config is valid, 2 when it is not.

            Examples:
              pier check -c pier.yaml
              pier check --json
            """)
        { config, json };
        command.SetAction(parse =>
        {
            if (parse.GetValue(json))
                return CheckAsJson(ConfigLocator.Resolve(parse.GetValue(config)));
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

    private static int CheckAsJson(string file)
    {
        CheckReport report;
        try
        {
            var loaded = ConfigLoader.Load(file);
            report = new CheckReport(true, file, [], loaded.Services.Count, loaded.Services.Sum(s => s.Workers), loaded.Before.Count);
        }
        catch (ConfigException e)
        {
            report = new CheckReport(false, file, e.Errors, 0, 0, 0);
        }
        Console.WriteLine(ControlJson.Serialize(report));
        return report.Ok ? ExitCodes.Ok : ExitCodes.UsageOrConfig;
    }
}
