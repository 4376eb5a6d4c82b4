using Pier.Resources;

namespace Pier.Routing.FastLane;

/// <summary>What every loop shares: the routing snapshot, the metrics, the proxy log and Kestrel's socket.</summary>
internal sealed class FastLaneContext(Func<RoutingTable> table, PierMetrics metrics, Action<string> logFailure, WorkerAddress kestrel)
{
    public RoutingTable Table => table();

    public PierMetrics Metrics { get; } = metrics;

    public Action<string> LogFailure { get; } = logFailure;

    /// <summary>Kestrel's internal listener: connections the fast lane does not serve itself go there.</summary>
    public WorkerAddress Kestrel { get; } = kestrel;
}
