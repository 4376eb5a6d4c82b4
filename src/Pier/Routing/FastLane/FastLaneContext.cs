using Pier.Resources;

namespace Pier.Routing.FastLane;

/// <summary>What every loop shares: the routing snapshot, the metrics, the proxy log, Kestrel's sockets and, on the HTTPS port, the TLS.</summary>
/// <param name="tls">Null on the plain-HTTP port.</param>
/// <param name="kestrelTls">With <paramref name="tls"/>: Kestrel's TLS listener, for the hellos the loops leave to it.</param>
internal sealed class FastLaneContext(Func<RoutingTable> table, PierMetrics metrics, Action<string> logFailure, WorkerAddress kestrel,
    TlsTermination? tls = null, WorkerAddress? kestrelTls = null)
{
    public RoutingTable Table => table();

    public PierMetrics Metrics { get; } = metrics;

    public Action<string> LogFailure { get; } = logFailure;

    /// <summary>Kestrel's internal listener: connections the fast lane does not serve itself go there.</summary>
    public WorkerAddress Kestrel { get; } = kestrel;

    public TlsTermination? Tls { get; } = tls;

    public WorkerAddress? KestrelTls { get; } = kestrelTls;

    private EventLoop[] _loops = [];
    private int _dealt;

    /// <summary>The loops, which take the accepted connections in turn.</summary>
    public void Deal(EventLoop[] loops) => _loops = loops;

    /// <summary>The loop whose turn it is to take a connection.</summary>
    public EventLoop NextLoop() => _loops[(int)((uint)Interlocked.Increment(ref _dealt) % (uint)_loops.Length)];
}
