namespace Pier.Supervision;

/// <summary>What every worker slot of one Pier instance shares.</summary>
internal sealed record SupervisionContext(
    OutputSink Output,
    OrphanGuard Guard,
    HealthProbe Probe,
    string StateDirectory,
    TimeProvider Time);
