namespace Pier.Control;

/// <summary>What `pier status` shows: the instance, its services and every worker slot. Version 1 of the control protocol.</summary>
internal sealed record StatusReport(
    string Name,
    int Pid,
    DateTimeOffset StartedAt,
    string ConfigFile,
    string StateDirectory,
    string Listen,
    IReadOnlyList<ServiceReport> Services);

/// <param name="Kind">"http" for a service behind the front door, "background" otherwise.</param>
internal sealed record ServiceReport(string Name, string Kind, int Desired, int Ready, IReadOnlyList<WorkerReport> Workers);

/// <param name="State">starting, ready, running, stopping, backoff, failed or stopped.</param>
internal sealed record WorkerReport(
    string Id,
    int? Pid,
    string State,
    int? Port,
    int Restarts,
    double? UptimeSeconds,
    string? LastExit,
    IReadOnlyList<string> LastStderr,
    int Generation);
