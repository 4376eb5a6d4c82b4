using Pier.Resources;

namespace Pier.Routing.FastLane;

/// <summary>
/// What a loop has learnt of each route of the current routing snapshot: whether it can forward the
/// route's requests itself, and the service's metrics. Asked twice a request, so looked up by reference
/// (hashing a route's record, service name included, costs on every request) and without allocating.
/// </summary>
internal sealed class RouteCache(KeepAlivePools pools, PierMetrics metrics)
{
    private readonly Dictionary<ServiceRoute, (bool CanForward, PierMetrics.ServiceSeries Series)> _routes = new(ReferenceEqualityComparer.Instance);
    private RoutingTable? _followed;

    /// <summary>
    /// True when the fast lane can reach every destination of the route itself; a route to an upstream
    /// named by host name or over HTTPS is left to YARP.
    /// </summary>
    public bool CanForward(ServiceRoute route) => Known(route).CanForward;

    /// <summary>A service's request metrics, looked up once per route snapshot.</summary>
    public PierMetrics.ServiceSeries SeriesOf(ServiceRoute route) => Known(route).Series;

    /// <summary>
    /// The service for a request's Host, as ASCII bytes. Null (Kestrel answers) when no service takes the host:
    /// the YARP path's 503 for that case stays in one place.
    /// </summary>
    public static ServiceRoute? Match(RoutingTable table, ReadOnlySpan<byte> host)
    {
        Span<char> chars = stackalloc char[host.Length];
        System.Text.Encoding.ASCII.GetChars(host, chars);
        return table.Match(chars);
    }

    /// <summary>From the loop's timer walk: a new snapshot drops what was learnt, and the pools of workers that left it.</summary>
    public void Follow(RoutingTable table)
    {
        if (table == _followed)
            return;
        _followed = table;
        pools.Prune(table);
        _routes.Clear();
    }

    // The lambda's closure lives in Learn, or it would be allocated at every call.
    private (bool CanForward, PierMetrics.ServiceSeries Series) Known(ServiceRoute route) =>
        _routes.TryGetValue(route, out var known) ? known : Learn(route);

    private (bool CanForward, PierMetrics.ServiceSeries Series) Learn(ServiceRoute route) =>
        _routes[route] = (route.Destinations.All(d => pools.StateOf(d, route.Service).Address is not null), metrics.Service(route.Service));
}
