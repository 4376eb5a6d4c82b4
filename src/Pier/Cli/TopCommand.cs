using System.CommandLine;
using Pier.Control;
using Spectre.Console;

namespace Pier.Cli;

/// <summary>`pier top`: the status table, live, refreshed every second, like htop for the app.</summary>
internal static class TopCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var command = new Command("top", """
            A live view of every worker: state, CPU, memory, restarts and uptime, and each
            service's requests per second (5xx among them), refreshed every second until Ctrl-C.

            Example:
              pier top -c /srv/shop/pier.yaml
            """)
        { config, state };
        command.SetAction(async (parse, cancellation) =>
        {
            using var client = InstanceLocator.Client(parse.GetValue(config), parse.GetValue(state));
            if (client is null)
                return ExitCodes.UsageOrConfig;
            if (await client.StatusAsync(cancellation) is not { } first)
                return InstanceLocator.NotRunning(client);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            await AnsiConsole.Live(View(first, null, 1)).StartAsync(async live =>
            {
                try
                {
                    var previous = first;
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    while (!stop.IsCancellationRequested)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
                        var report = await client.StatusAsync(stop.Token);
                        live.UpdateTarget(report is null ? new Markup("[red]Pier stopped answering[/]") : View(report, previous, clock.Elapsed.TotalSeconds));
                        live.Refresh();
                        previous = report ?? previous;
                        clock.Restart();
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <param name="previous">The report before, for request rates; null at first, which shows totals.</param>
    private static Rows View(StatusReport report, StatusReport? previous, double seconds)
    {
        var host = report.Host;
        var used = host.MemoryTotalBytes == 0 ? 0 : 100.0 * (host.MemoryTotalBytes - host.MemoryAvailableBytes) / host.MemoryTotalBytes;
        return new Rows(
            new Markup($"[bold]{Markup.Escape(report.Name)}[/]  {DateTime.Now:HH:mm:ss}  host cpu [bold]{host.CpuPercent:0}%[/] of {host.Cores} cores, " +
                $"memory [bold]{used:0}%[/] used   [grey](Ctrl-C quits)[/]"),
            StatusCommand.Table(report, previous, seconds));
    }
}
