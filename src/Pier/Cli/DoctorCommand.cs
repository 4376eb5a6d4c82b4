using System.CommandLine;
using System.Text.Json;
using Pier.Control;
using Pier.Doctor;
using Spectre.Console;

namespace Pier.Cli;

/// <summary>`pier doctor`: what on this host would break a deployment of the config, each with its fix.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var json = CliOptions.Json();
        var command = new Command("doctor", """
            Check this host for what breaks deployments of the config: the listen port (free, or held
            by which PID), https domains' DNS against this host's addresses, NTP synchronisation, the
            memory the workers need against MemAvailable, the open-file limit, cgroup memory control
            and the state directory's owner and mode. Each line is ok, warn, fail or skip, with a fix.
            Exits 0 when nothing fails, 1 when something does, 2 when the config is invalid.

            Examples:
              pier doctor
              pier doctor -c /srv/shop/pier.yaml --json
            """)
        { config, json };
        command.SetAction(async (parse, _) =>
        {
            var loaded = ConfigLocator.LoadOrReport(parse.GetValue(config), null, Console.Error, "fix them and run doctor again");
            if (loaded is null)
                return ExitCodes.UsageOrConfig;
            var results = await new Diagnosis(loaded).RunAsync();
            if (parse.GetValue(json))
                Console.WriteLine(ControlJson.Serialize(results));
            else
                Render(results);
            return results.Any(r => r.Status == CheckStatus.Fail) ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(IReadOnlyList<CheckResult> results)
    {
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 240;
        foreach (var result in results)
        {
            var (word, colour) = result.Status switch
            {
                CheckStatus.Ok => ("ok  ", "green"),
                CheckStatus.Warn => ("warn", "yellow"),
                CheckStatus.Fail => ("fail", "red"),
                _ => ("skip", "grey"),
            };
            AnsiConsole.MarkupLine($"[{colour}]{word}[/] {Markup.Escape(result.Check)}: {Markup.Escape(result.Message)}");
            if (result.Fix is not null && result.Status is CheckStatus.Warn or CheckStatus.Fail)
                AnsiConsole.MarkupLine($"     [grey]fix:[/] {Markup.Escape(result.Fix)}");
        }
    }
}
