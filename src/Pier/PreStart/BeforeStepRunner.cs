using Pier.Configuration;
using Pier.Supervision;

namespace Pier.PreStart;

/// <summary>
/// Runs the <c>before</c> steps once, in order, under the before-steps lock, each in its own process
/// group with the first service's directory and environment (where a migration finds its
/// DATABASE_URL) and its output prefixed (<c>before.1 | …</c>). The first failing step ends the run;
/// nothing after it starts.
/// </summary>
internal sealed class BeforeStepRunner(PierConfig config, OutputSink output, OrphanGuard guard)
{
    /// <summary>Why the steps did not all succeed.</summary>
    /// <param name="Tail">The last lines the step printed, stdout and stderr together.</param>
    internal sealed record Failure(string Message, int ExitCode, IReadOnlyList<string> Tail, string? LogFile);

    /// <summary>Null when every step succeeded (or there are none).</summary>
    public async Task<Failure?> RunAsync(Action<string> progress, CancellationToken cancellation)
    {
        if (config.Before.Count == 0)
            return null;
        var policy = config.BeforePolicy ?? new BeforePolicy(BeforePolicy.DefaultTimeout, Path.Combine(config.StateDirectory, "before.lock"));
        IAsyncDisposable held;
        try
        {
            held = policy.LockIsPostgres
                ? await PostgresStepLock.AcquireAsync(policy.Lock, config.Name, policy.Timeout, progress, cancellation)
                : await FileStepLock.AcquireAsync(policy.Lock, policy.Timeout, progress, cancellation);
        }
        catch (TimeoutException e)
        {
            return new Failure(e.Message, 1, [], null);
        }
        catch (Npgsql.NpgsqlException e)
        {
            return new Failure($"cannot take the before-steps lock in {PostgresUrl.Redact(policy.Lock)}: {e.Message}", 1, [], null);
        }
        await using (held)
        {
            foreach (var step in config.Before)
            {
                if (await RunStepAsync(step, policy.Timeout, progress, cancellation) is { } failure)
                    return failure;
            }
        }
        return null;
    }

    private async Task<Failure?> RunStepAsync(BeforeStep step, TimeSpan timeout, Action<string> progress, CancellationToken cancellation)
    {
        var id = $"before.{step.Number}";
        progress($"{id}: {step.Run}");
        var service = config.Services.FirstOrDefault();
        var spec = new ProcessSpec(id, step.Run, service?.Directory ?? config.BaseDirectory,
            service?.Env ?? new Dictionary<string, string>());
        using var process = WorkerProcess.Start(spec, output, new Dictionary<string, string>
        {
            [OrphanGuard.StateVariable] = config.StateDirectory,
        });
        guard.Track(process.Pid);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(timeout);
            try
            {
                await process.Exited.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                var cause = cancellation.IsCancellationRequested ? "Pier was asked to stop" : $"it ran longer than before_timeout ({Worker.Format(timeout)})";
                var stopped = await process.StopAsync(config.LongestStopTimeout, cause);
                return new Failure($"before step {step.Number} (`{step.Run}`) was stopped: {cause}; {stopped.Describe()}",
                    1, process.LastOutput, output.LogFile(id));
            }
            var reason = process.Reason();
            await process.CleanUpGroupAsync(TimeSpan.FromSeconds(2));
            if (reason.ExitCode != 0)
                return new Failure($"before step {step.Number} (`{step.Run}`) failed with {reason.Describe()}",
                    reason.ExitCode is > 0 and < 256 ? reason.ExitCode : 1, process.LastOutput, output.LogFile(id));
            progress($"{id}: done");
            return null;
        }
        finally
        {
            guard.Forget(process.Pid);
        }
    }
}
