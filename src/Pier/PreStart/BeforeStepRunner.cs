using Pier.Configuration;
using Pier.Supervision;

namespace Pier.PreStart;

/// <summary>
/// Runs the <c>before</c> steps once, in order, each in its own process group with its output
/// prefixed (<c>before.1 | …</c>). The first failing step ends the run; nothing after it starts.
/// </summary>
internal sealed class BeforeStepRunner(PierConfig config, OutputSink output, OrphanGuard guard)
{
    /// <summary>The outcome: null when every step succeeded.</summary>
    /// <param name="Tail">The last lines the step printed, stdout and stderr together.</param>
    internal sealed record Failure(BeforeStep Step, ExitReason Reason, IReadOnlyList<string> Tail, string LogFile);

    public async Task<Failure?> RunAsync(CancellationToken cancellation)
    {
        foreach (var step in config.Before)
        {
            var id = $"before.{step.Number}";
            output.Write("pier", $"{id}: {step.Run}");
            var spec = new ProcessSpec(id, step.Run, config.BaseDirectory, new Dictionary<string, string>());
            using var process = WorkerProcess.Start(spec, output, new Dictionary<string, string>
            {
                [OrphanGuard.StateVariable] = config.StateDirectory,
            });
            guard.Track(process.Pid);
            try
            {
                await process.Exited.WaitAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                var stopped = await process.StopAsync(config.LongestStopTimeout, "stopped: Pier was asked to stop");
                guard.Forget(process.Pid);
                return new Failure(step, stopped, process.LastOutput, output.LogFile(id));
            }
            var reason = process.Reason();
            await process.CleanUpGroupAsync(TimeSpan.FromSeconds(2));
            guard.Forget(process.Pid);
            if (reason.ExitCode != 0)
                return new Failure(step, reason, process.LastOutput, output.LogFile(id));
            output.Write("pier", $"{id} done");
        }
        return null;
    }
}
