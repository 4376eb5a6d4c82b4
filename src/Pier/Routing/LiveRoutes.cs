namespace Pier.Routing;

/// <summary>
/// The routing table both lanes of the front door read: one <see cref="Current"/> snapshot, swapped
/// whole. A pool publishes its own service's route alone (as YARP's cluster updater swaps one cluster),
/// so a change in one service leaves every other service's route the same object.
/// </summary>
internal sealed class LiveRoutes
{
    private readonly object _writing = new();
    private volatile RoutingTable _current = RoutingTable.Empty;

    /// <summary>The snapshot a request is routed by; requests already routed finish where they are.</summary>
    public RoutingTable Current => _current;

    /// <summary>Puts <paramref name="route"/> in place of its service's route, or after the others when the service is new.</summary>
    public void Publish(ServiceRoute route)
    {
        lock (_writing)
        {
            var routes = _current.Routes;
            var at = IndexOf(routes, route.Service);
            ServiceRoute[] next;
            if (at < 0)
                next = [.. routes, route];
            else
            {
                next = [.. routes];
                next[at] = route;
            }
            _current = new RoutingTable(next);
        }
    }

    /// <summary>Takes a service out of routing (it was removed from the config).</summary>
    public void Remove(string service)
    {
        lock (_writing)
        {
            if (IndexOf(_current.Routes, service) >= 0)
                _current = new RoutingTable(_current.Routes.Where(r => r.Service != service).ToArray());
        }
    }

    private static int IndexOf(IReadOnlyList<ServiceRoute> routes, string service)
    {
        for (var i = 0; i < routes.Count; i++)
            if (routes[i].Service == service)
                return i;
        return -1;
    }
}
