namespace Pier.Supervision;

/// <summary>An immutable picture of one worker slot, replaced whole on every change.</summary>
/// <param name="Endpoint">Where an HTTP worker's current process takes requests; null when none runs.</param>
/// <param name="StartedAt">When the current process started; null when none runs.</param>
/// <param name="LastExit">Why the previous process ended (exit code or signal, and cause).</param>
/// <param name="LastStderr">The last lines the previous process wrote to stderr.</param>
/// <param name="Generation">Which deploy of the service started this worker (1 for the first).</param>
internal sealed record WorkerStatus(
    string Id,
    string Service,
    WorkerState State,
    int? Pid,
    WorkerEndpoint? Endpoint,
    int Restarts,
    DateTimeOffset? StartedAt,
    string? LastExit,
    IReadOnlyList<string> LastStderr,
    DateTimeOffset? NextStartAt,
    int Generation);
