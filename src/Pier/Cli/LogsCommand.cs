using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.InteropServices;
using Pier.Configuration;
using Pier.Logs;

namespace Pier.Cli;

/// <summary>`pier logs [SERVICE[.N]] [-f]`: the workers' log files, merged in time order.</summary>
internal static class LogsCommand
{
    private const int DefaultLines = 100;
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(200);

    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line: time, source, stream, text" };
        var target = new Argument<string?>("SERVICE") { Description = "Only this service (web) or worker (web.2); pier for Pier's own lines, proxy for requests that workers failed", Arity = ArgumentArity.ZeroOrOne };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until Ctrl-C" };
        var lines = new Option<int?>("--lines", "-n")
        {
            Description = "How many of the last lines to print first [default: 100, or all of them with --since]",
            HelpName = "N",
        };
        lines.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() < 0)
                result.AddError("--lines must be 0 or more");
        });
        var since = new Option<DateTimeOffset?>("--since")
        {
            Description = "Only lines from this long ago (10m, 2h) or since this time (2026-11-29T03:10:00Z)",
            HelpName = "WHEN",
            CustomParser = ParseSince,
        };
        var command = new Command("logs", """
            Print the log files of the workers, before steps and Pier itself, merged in time order and
            prefixed with their source (web.2 | …). Rotated files are read as far back as needed.
            Works whether Pier is running or not: it reads <state>/logs.
            Exits 0, or 1 when there are no logs for what was asked.

            Examples:
              pier logs
              pier logs web -f
              pier logs web.2 -n 500 --since 10m
              pier logs --json | jq .text
            """)
        { target, follow, lines, since, config, state, json };
        command.SetAction(async (parse, _) =>
        {
            var stateDirectory = InstanceLocator.StateDirectory(parse.GetValue(config), parse.GetValue(state), Console.Error);
            if (stateDirectory is null)
                return ExitCodes.UsageOrConfig;
            var directory = new LogDirectory(Path.Combine(stateDirectory, "logs"));
            var selector = new LogSelector(parse.GetValue(target));
            using var reader = new LogReader(directory, selector);
            if (reader.Sources().Count == 0)
            {
                var known = directory.Sources();
                await Console.Error.WriteLineAsync(known.Count == 0
                    ? $"pier: no logs in {directory.Path} yet; they are written while `pier up` runs"
                    : $"pier: no logs for '{selector.Name}' in {directory.Path}; there are: {string.Join(", ", known)}");
                return ExitCodes.Failed;
            }

            var printer = new LogPrinter(Console.Out, parse.GetValue(json),
                !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null);
            var from = parse.GetValue(since);
            printer.Print(reader.Last(parse.GetValue(lines) ?? (from is null ? DefaultLines : int.MaxValue), from));
            if (!parse.GetValue(follow))
                return ExitCodes.Ok;

            // Pier's command line leaves Ctrl-C to each command (pier up drains on it); here it just ends the follow.
            using var stop = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
            while (!stop.IsCancellationRequested)
            {
                printer.Print(reader.Next());
                try
                {
                    await Task.Delay(FollowInterval, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static DateTimeOffset? ParseSince(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (Duration.TryParse(text, out var ago))
            return DateTimeOffset.UtcNow - ago;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return time;
        result.AddError($"--since '{text}': expected how long ago (10m, 2h, 1d) or a time like 2026-11-29T03:10:00Z");
        return null;
    }
}
