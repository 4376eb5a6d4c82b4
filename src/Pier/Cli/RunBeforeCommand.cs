using System.CommandLine;
using Pier.PreStart;
using Pier.Supervision;

namespace Pier.Cli;

/// <summary>`pier run-before`: the before steps alone, under the same lock (what a Kubernetes Job or init container runs).</summary>
internal static class RunBeforeCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var command = new Command("run-before", """
            Run the before steps of the config once, in order, under the before-steps lock, and exit
            with the first failing step's exit code (0 when all succeed). Workers are not started.

            Example:
              pier run-before -c pier.yaml
            """)
        { config, state };
        command.SetAction(async (parse, cancellation) =>
        {
            var loaded = ConfigLocator.LoadOrReport(parse.GetValue(config), parse.GetValue(state), Console.Error);
            if (loaded is null)
                return ExitCodes.UsageOrConfig;
            Directory.CreateDirectory(loaded.StateDirectory);
            await using var output = new OutputSink(Path.Combine(loaded.StateDirectory, "logs"), Console.Out,
                !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null, loaded.Logs);
            using var guard = new OrphanGuard(loaded.StateDirectory);
            var failure = await new BeforeStepRunner(loaded, output, guard).RunAsync(m => output.Write("pier", m), cancellation);
            await output.DisposeAsync();
            if (failure is null)
                return ExitCodes.Ok;
            await Console.Error.WriteLineAsync($"pier: {failure.Message}");
            if (failure.Tail.Count > 0)
                await Console.Error.WriteLineAsync("last output:\n  " + string.Join("\n  ", failure.Tail));
            return failure.ExitCode;
        });
        return command;
    }
}
