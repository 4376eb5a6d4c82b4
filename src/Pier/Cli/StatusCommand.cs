using System.CommandLine;
using System.Text.Json;
using Pier.Configuration;
using Pier.Control;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pier.Cli;

/// <summary>`pier status`: the workers of a running instance, as a table or JSON.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var json = CliOptions.Json();
        var command = new Command("status", """
            Show every worker of the running instance: state, PID, port, restarts, uptime and why it last exited.

            Examples:
              pier status
              pier status -c /srv/shop/pier.yaml --json
            """)
        { config, state, json };
        command.SetAction(async (parse, cancellation) =>
        {
            using var client = InstanceLocator.Client(parse.GetValue(config), parse.GetValue(state));
            if (client is null)
                return ExitCodes.UsageOrConfig;
            var report = await client.StatusAsync(cancellation);
            if (report is null)
                return InstanceLocator.NotRunning(client);
            if (parse.GetValue(json))
                Console.WriteLine(ControlJson.Serialize(report));
            else
                Render(report);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(StatusReport report)
    {
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 240;
        var uptime = DateTimeOffset.UtcNow - report.StartedAt;
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(report.Name)}[/]  pid {report.Pid}, up {Duration(uptime.TotalSeconds)}, http {Markup.Escape(report.Listen)}");
        AnsiConsole.MarkupLine($"host: cpu {report.Host.CpuPercent:0}% of {report.Host.Cores} cores; memory budget {Markup.Escape(report.Host.MemoryBudget)}");
        AnsiConsole.Write(Table(report));
        foreach (var service in report.Services.Where(s => s.Note is not null))
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(service.Name)}[/]: {Markup.Escape(service.Note!)}");

        // What a failing worker said last is usually the answer to "why": show it whole, below the table.
        foreach (var w in report.Services.SelectMany(s => s.Workers).Where(w => w.State is "failed" or "backoff" && w.LastStderr.Count > 0))
        {
            AnsiConsole.MarkupLine($"[{Colour(w.State)}]{Markup.Escape(w.Id)}[/] {w.State}; its last stderr lines:");
            foreach (var line in w.LastStderr)
                AnsiConsole.WriteLine("  " + line);
        }
    }

    // LAST EXIT last: it takes the room the others leave.
    private static readonly string[] Headers = ["WORKER", "STATE", "PID", "PORT", "CPU", "MEMORY", "RESTARTS", "UPTIME", "REQUESTS", "LAST EXIT"];

    // Left out in this order when the terminal is too narrow for every column (80 columns, say): a cell
    // wrapped over two lines is harder to read than a column that is not there. The rest answer "is it up,
    // and if not, why".
    private static readonly string[] LeftOutWhenNarrow = ["PORT", "UPTIME", "RESTARTS"];

    private const int ShortLastExit = 12;

    /// <summary>
    /// The worker table, shared with `pier top`. A service's REQUESTS are those answered since Pier
    /// started, or with <paramref name="previous"/> (taken <paramref name="seconds"/> earlier) a rate.
    /// </summary>
    /// <param name="width">Columns the table may take: the terminal's unless given.</param>
    internal static Table Table(StatusReport report, StatusReport? previous = null, double seconds = 1, int? width = null)
    {
        // Every column but LAST EXIT, whose text is cut to the room left once the columns are chosen.
        var rows = new List<(IRenderable[] Cells, string LastExit)>();
        foreach (var service in report.Services)
        {
            rows.Add(([new Markup($"[bold]{Markup.Escape(service.Name)}[/]"),
                new Markup(service.Kind == "upstream" ? "forwards" : $"{service.Ready}/{service.Desired} {(service.Kind == "http" ? "ready" : "running")}"),
                new Text(""), new Text(""), new Text($"{service.CpuPercent:0}%"), new Text(ByteSize.Format(service.MemoryBytes)),
                new Text(""), new Text(""), Requests(service, previous?.Services.FirstOrDefault(s => s.Name == service.Name), seconds)],
                service.Kind));
            foreach (var w in service.Workers)
            {
                rows.Add(([
                    new Text("  " + w.Id),
                    new Markup($"[{Colour(w.State)}]{w.State}[/]"),
                    new Text(w.Pid?.ToString() ?? "-"),
                    new Text(w.Socket is { } socket ? "unix:" + socket : w.Port?.ToString() ?? "-"),
                    new Text(w.CpuPercent is { } cpu ? $"{cpu:0}%" : "-"),
                    new Text(w.MemoryBytes is { } memory ? ByteSize.Format(memory) : "-"),
                    new Text(w.Restarts.ToString()),
                    new Text(w.UptimeSeconds is { } s ? Duration(s) : "-"),
                    new Text("")],
                    w.LastExit ?? ""));
            }
        }

        // A column takes its widest cell, a space of padding and the border's space; the border adds one more.
        // LAST EXIT takes the room that is left: a short one ("exit code 3") is worth more than UPTIME or PORT,
        // a long one is cut short (`pier events` has it whole) rather than costing other columns.
        var lastExit = Headers.Length - 1;
        var widths = Headers.Select((header, i) => header.Length).ToArray();
        foreach (var (cells, exit) in rows)
        {
            for (var i = 0; i < cells.Length; i++)
                widths[i] = Math.Max(widths[i], Length(cells[i]));
            widths[lastExit] = Math.Max(widths[lastExit], Math.Min(exit.Length, ShortLastExit));
        }
        for (var i = 0; i < widths.Length; i++)
            widths[i] += 2;
        var available = width ?? AnsiConsole.Profile.Width;
        var shown = Enumerable.Range(0, Headers.Length).ToList();
        foreach (var column in LeftOutWhenNarrow)
        {
            if (shown.Sum(i => widths[i]) + 1 <= available)
                break;
            shown.Remove(Array.IndexOf(Headers, column));
        }
        var lastExitRoom = Math.Max(Headers[lastExit].Length, available - (shown.Sum(i => widths[i]) - widths[lastExit]) - 3);
        var table = new Table().Border(TableBorder.Simple);
        foreach (var i in shown)
            table.AddColumn(new TableColumn(Headers[i]).NoWrap().PadLeft(0).PadRight(1));
        foreach (var (cells, exit) in rows)
        {
            var lastExitCell = new Text(exit.Length > lastExitRoom ? exit[..(lastExitRoom - 1)] + "…" : exit);
            table.AddRow(shown.Select(i => i == lastExit ? lastExitCell : cells[i]));
        }
        return table;
    }

    private static int Length(IRenderable cell) => cell switch
    {
        Text text => text.Length,
        Markup markup => markup.Length,
        _ => 0,
    };

    /// <summary>"12,345 (3 5xx)", or as a rate "120/s (0.5 5xx/s)"; 5xx in red. Background services take no requests.</summary>
    private static Markup Requests(ServiceReport service, ServiceReport? before, double seconds)
    {
        if (service.Kind == "background")
            return new Markup("");
        if (before is null)
            return new Markup($"{service.Requests:N0}" + (service.ServerErrors > 0 ? $" [red]({service.ServerErrors:N0} 5xx)[/]" : ""));
        var rate = Math.Max(0, service.Requests - before.Requests) / seconds;
        var errors = Math.Max(0, service.ServerErrors - before.ServerErrors) / seconds;
        return new Markup($"{rate:0.#}/s" + (errors > 0 ? $" [red]({errors:0.#} 5xx/s)[/]" : ""));
    }

    private static string Colour(string state) => state switch
    {
        "ready" or "running" => "green",
        "starting" or "stopping" => "yellow",
        "backoff" => "darkorange",
        "failed" => "red",
        _ => "grey",
    };

    internal static string Duration(double seconds) => seconds switch
    {
        < 60 => $"{seconds:0}s",
        < 3600 => $"{Math.Floor(seconds / 60)}m{seconds % 60:00}s",
        < 86400 => $"{Math.Floor(seconds / 3600)}h{Math.Floor(seconds % 3600 / 60):00}m",
        _ => $"{Math.Floor(seconds / 86400)}d{Math.Floor(seconds % 86400 / 3600)}h",
    };
}
