using System.Text.Json;
using Pier.Control;
using Spectre.Console;

namespace Pier.Cli;

/// <summary>
/// What reload, restart and scale share: find the instance, send the request, show progress as it
/// streams (or the raw NDJSON with --json), and turn the outcome into the exit code.
/// </summary>
internal static class ControlCommandRunner
{
    public static async Task<int> RunAsync(string? configPath, string? stateOverride, bool json, string pathAndQuery, CancellationToken cancellation)
    {
        using var client = InstanceLocator.Client(configPath, stateOverride);
        if (client is null)
            return ExitCodes.UsageOrConfig;
        var ok = await client.StreamAsync(pathAndQuery, item =>
        {
            if (json)
                Console.WriteLine(ControlJson.Serialize(item, ControlJson.Line));
            else if (item.Ok is { } done)
                AnsiConsole.MarkupLine(done ? "[green]ok[/]" : "[red]failed[/]");
            else
                AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(item.Message)}");
        }, cancellation);
        if (ok is null)
            return InstanceLocator.NotRunning(client);
        return ok.Value ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
