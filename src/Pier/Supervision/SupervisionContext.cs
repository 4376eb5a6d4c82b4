namespace Pier.Supervision;

/// <summary>What every worker slot of one Pier instance shares.</summary>
/// <param name="Sockets">Where workers with <c>$SOCKET</c> get their Unix sockets.</param>
/// <param name="Cgroups">Where workers with a hard memory limit get their cgroup; null when cgroups cannot be used.</param>
internal sealed record SupervisionContext(
    OutputSink Output,
    OrphanGuard Guard,
    HealthProbe Probe,
    string StateDirectory,
    TimeProvider Time,
    WorkerSockets Sockets,
    MemoryCgroups? Cgroups = null)
{
    /// <summary>How often starting workers are asked whether they listen yet.</summary>
    public ReadinessPace Readiness { get; } = new();
}
