using Pier.Resources;

namespace Pier.Routing.FastLane;

/// <summary>
/// A loop's kept-alive connections to workers (nginx's upstream keepalive module), one
/// <see cref="DestinationState"/> each destination in the routing table, made on first use.
/// </summary>
internal sealed class KeepAlivePools(PierMetrics metrics)
{
    private readonly Dictionary<Destination, DestinationState> _destinations = new();

    /// <summary>What this loop keeps for a destination of <paramref name="service"/>, made on first use.</summary>
    public DestinationState StateOf(Destination destination, string service)
    {
        if (!_destinations.TryGetValue(destination, out var state))
            _destinations[destination] = state = new DestinationState(WorkerAddress.Of(destination), metrics.Worker(service, destination.WorkerId));
        return state;
    }

    /// <summary>A connection whose answer is done: kept for the next request unless <paramref name="draining"/>.</summary>
    public void ReturnIdle(WorkerConnection connection, bool draining)
    {
        if (!draining && _destinations.TryGetValue(connection.Destination, out var state))
            state.ReturnIdle(connection);
        else
            connection.Close();  // the front door drains, or its destination left the routing table meanwhile
    }

    /// <summary>What belonged to workers that left the routing table (their connections close when the worker exits).</summary>
    public void Prune(RoutingTable table)
    {
        var live = table.Routes.SelectMany(r => r.Destinations).ToHashSet();
        foreach (var (destination, state) in _destinations.Where(d => !live.Contains(d.Key)).ToArray())
        {
            state.CloseIdle();
            _destinations.Remove(destination);
        }
    }

    public void CloseAll()
    {
        foreach (var state in _destinations.Values)
            state.CloseIdle();
    }
}
