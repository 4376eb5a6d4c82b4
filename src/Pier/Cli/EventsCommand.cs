using System.CommandLine;
using System.Text.Json;
using Pier.Configuration;
using Pier.Control;
using Pier.Resources;
using Spectre.Console;

namespace Pier.Cli;

/// <summary>`pier events`: the event history from the state directory; works whether Pier runs or not.</summary>
internal static class EventsCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var json = CliOptions.Json();
        var since = new Option<string?>("--since") { Description = "Only events newer than this, like 10m, 1h or 2d", HelpName = "DURATION" };
        var service = new Option<string?>("--service") { Description = "Only events of this service", HelpName = "NAME" };
        var count = new Option<int>("-n") { Description = "At most this many, the newest", DefaultValueFactory = _ => 100, HelpName = "N" };
        var command = new Command("events", """
            Show what happened: worker starts, exits (code or signal, last stderr line, memory at the
            end), failures, recycles, deploys and scaling. Read from the state directory, so it works
            after Pier stopped or crashed.

            Examples:
              pier events --since 1h
              pier events --service web --json
            """)
        { config, state, json, since, service, count };
        command.SetAction(parse =>
        {
            var stateDirectory = InstanceLocator.StateDirectory(parse.GetValue(config), parse.GetValue(state), Console.Error);
            if (stateDirectory is null)
                return ExitCodes.UsageOrConfig;
            DateTimeOffset? from = null;
            if (parse.GetValue(since) is { } text)
            {
                if (!Duration.TryParse(text, out var span))
                {
                    Console.Error.WriteLine($"pier: --since '{text}': {Duration.Expected}");
                    return ExitCodes.UsageOrConfig;
                }
                from = DateTimeOffset.UtcNow - span;
            }
            var events = EventHistory.Read(stateDirectory, from, parse.GetValue(service), Math.Max(1, parse.GetValue(count)));
            if (parse.GetValue(json))
            {
                Console.WriteLine(ControlJson.Serialize(events));
                return ExitCodes.Ok;
            }
            if (events.Count == 0)
            {
                Console.WriteLine("no events" + (from is null ? "" : " in that time"));
                return ExitCodes.Ok;
            }
            if (Console.IsOutputRedirected)
                AnsiConsole.Profile.Width = 240;
            var table = new Table().Border(TableBorder.Simple).AddColumns("TIME", "KIND", "WORKER").AddColumn(new TableColumn("WHAT").NoWrap());
            foreach (var e in events)
                table.AddRow(e.At.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), e.Kind, e.Worker ?? e.Service ?? "", e.Message);
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
