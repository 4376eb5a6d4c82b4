using Pier.Resources;

namespace Pier.Routing.FastLane;

/// <summary>
/// What a loop keeps for one destination (a worker, or a <c>url:</c> upstream) while it is in the routing
/// table: how to reach it, its request metrics, and the kept-alive connections to it.
/// </summary>
/// <param name="address">Null when the fast lane cannot reach it itself (a host name, HTTPS): YARP's then.</param>
internal sealed class DestinationState(WorkerAddress? address, PierMetrics.WorkerSeries series)
{
    private readonly Stack<WorkerConnection> _idle = new();

    public WorkerAddress? Address { get; } = address;

    public PierMetrics.WorkerSeries Series { get; } = series;

    /// <summary>A kept-alive connection, or null; connections the worker closed meanwhile are passed over.</summary>
    public WorkerConnection? TakeIdle()
    {
        while (_idle.TryPop(out var idle))
            if (!idle.Closed)
                return idle;
        return null;
    }

    public void ReturnIdle(WorkerConnection connection) => _idle.Push(connection);

    /// <summary>The destination left the routing table: its connections go (they close when the worker exits anyway).</summary>
    public void CloseIdle()
    {
        while (_idle.TryPop(out var idle))
            idle.Close();
    }
}
