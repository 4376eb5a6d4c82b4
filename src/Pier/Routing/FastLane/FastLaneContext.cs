using Pier.Resources;

namespace Pier.Routing.FastLane;

/// <summary>What every loop shares: the routing snapshot, the metrics, the proxy log, Kestrel's sockets and, on the HTTPS port, the TLS.</summary>
/// <param name="tls">Null on the plain-HTTP port.</param>
/// <param name="kestrelTls">With <paramref name="tls"/>: Kestrel's TLS listener, for the hellos the loops leave to it.</param>
/// <param name="time">The loops' clock, for their timeouts; the system's unless a test drives it.</param>
internal sealed class FastLaneContext(LiveRoutes routes, PierMetrics metrics, Action<string> logFailure, WorkerAddress kestrel,
    TlsTermination? tls = null, WorkerAddress? kestrelTls = null, TimeProvider? time = null)
{
    public RoutingTable Table => routes.Current;

    public PierMetrics Metrics { get; } = metrics;

    public Action<string> LogFailure { get; } = logFailure;

    /// <summary>Kestrel's internal listener: connections the fast lane does not serve itself go there.</summary>
    public WorkerAddress Kestrel { get; } = kestrel;

    public TlsTermination? Tls { get; } = tls;

    public WorkerAddress? KestrelTls { get; } = kestrelTls;

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    private EventLoop[] _loops = [];

    /// <summary>The loops, which share the accepted connections.</summary>
    public void Deal(EventLoop[] loops) => _loops = loops;

    /// <summary>The loop holding the fewest connections; on a tie the one that accepted, which saves a hop between threads.</summary>
    public EventLoop LeastBusy(EventLoop accepting)
    {
        var least = accepting;
        foreach (var loop in _loops)
            if (loop.Connections < least.Connections)
                least = loop;
        return least;
    }
}
