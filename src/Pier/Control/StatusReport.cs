namespace Pier.Control;

/// <summary>What `pier status` shows: the instance, its services and every worker slot. Version 1 of the control protocol.</summary>
internal sealed record StatusReport(
    string Name,
    int Pid,
    DateTimeOffset StartedAt,
    string ConfigFile,
    string StateDirectory,
    string Listen,
    IReadOnlyList<ServiceReport> Services,
    HostReport Host);

/// <param name="CpuPercent">Busy share of all cores, 0–100.</param>
internal sealed record HostReport(double CpuPercent, int Cores, long MemoryTotalBytes, long MemoryAvailableBytes, string MemoryBudget);

/// <param name="Kind">"http" for a service behind the front door, "background" otherwise.</param>
/// <param name="Note">Why fewer workers run than desired (the memory budget), when that is so.</param>
/// <param name="Requests">Requests the front door answered for the service since Pier started.</param>
/// <param name="ServerErrors">Those of <paramref name="Requests"/> answered 5xx (by a worker or by Pier: 502, 503).</param>
internal sealed record ServiceReport(string Name, string Kind, int Desired, int Ready, IReadOnlyList<WorkerReport> Workers,
    double CpuPercent, long MemoryBytes, string? Note, long Requests = 0, long ServerErrors = 0);

/// <param name="State">starting, ready, running, stopping, backoff, failed or stopped.</param>
/// <param name="Port">The loopback port of an HTTP worker's current process; <paramref name="Socket"/> instead when it listens on a Unix socket.</param>
internal sealed record WorkerReport(
    string Id,
    int? Pid,
    string State,
    int? Port,
    string? Socket,
    int Restarts,
    double? UptimeSeconds,
    string? LastExit,
    IReadOnlyList<string> LastStderr,
    int Generation,
    double? CpuPercent,
    long? MemoryBytes);
