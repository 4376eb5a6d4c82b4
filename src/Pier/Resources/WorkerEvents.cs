using Pier.Configuration;
using Pier.Supervision;

namespace Pier.Resources;

/// <summary>
/// Turns worker transitions into the event history: starts, readiness, exits (with the memory used at the
/// end when it was measured), OOM kills, failures, stops. Each transition maps to at most one event.
/// </summary>
internal sealed class WorkerEvents(EventHistory history, Func<UsageSnapshot> usage)
{
    public void Record(WorkerTransition transition)
    {
        if (Describe(transition.Before, transition.After, usage()) is { } e)
            history.Record(e.Kind, transition.After.Service, transition.After.Id, e.Message);
    }

    /// <summary>The event a change makes (kind, message), or null for a change the history does not keep.</summary>
    public static (string Kind, string Message)? Describe(WorkerStatus before, WorkerStatus now, UsageSnapshot usage)
    {
        if (before.State == now.State && before.Pid == now.Pid)
            return null;
        return now.State switch
        {
            WorkerState.Starting when now.Pid != before.Pid => ("start", $"{now.Id} started (pid {now.Pid}, generation {now.Generation})"),
            WorkerState.Ready when before.State != WorkerState.Ready => ("ready", $"{now.Id} ready on {now.Endpoint} (pid {now.Pid})"),
            WorkerState.Backoff when before.State != WorkerState.Backoff =>
                (now.LastExit?.StartsWith("OOM-killed", StringComparison.Ordinal) == true ? "oom" : "exit", $"{now.Id} exited: {now.LastExit}{Died(before, usage)}{Said(now)}"),
            WorkerState.Failed => ("failed", $"{now.Id} failed: {now.LastExit}{Said(now)}"),
            WorkerState.Stopped => ("stop", $"{now.Id} stopped: {now.LastExit}"),
            _ => null,
        };
    }

    private static string Died(WorkerStatus before, UsageSnapshot usage) =>
        before.Pid is { } pid && usage.Workers.TryGetValue(pid, out var use) ? $"; memory at the end: {ByteSize.Format(use.MemoryBytes)}" : "";

    private static string Said(WorkerStatus status) => status.LastStderr.Count > 0 ? $"; last stderr: {status.LastStderr[^1]}" : "";
}
