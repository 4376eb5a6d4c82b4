namespace Pier.Routing;

/// <summary>
/// An immutable snapshot of where requests go. The pool builds a new one on every change and the
/// front door swaps it in atomically (as YARP swaps its config), so a request never sees half an update.
/// </summary>
internal sealed class RoutingTable(IReadOnlyList<ServiceRoute> routes)
{
    public static readonly RoutingTable Empty = new([]);

    // An array, copied once: Match runs on every request, and foreach over an IReadOnlyList boxes its enumerator.
    private readonly ServiceRoute[] _routes = [.. routes];

    public IReadOnlyList<ServiceRoute> Routes => _routes;

    /// <summary>The service for a Host header: an exact host match first, then a service that takes every host.</summary>
    public ServiceRoute? Match(string host) => Match(host.AsSpan());

    /// <inheritdoc cref="Match(string)"/>
    public ServiceRoute? Match(ReadOnlySpan<char> host)
    {
        var name = StripPort(host);
        ServiceRoute? catchAll = null;
        foreach (var route in _routes)
        {
            var hosts = route.Hosts;
            if (hosts.Count == 0)
            {
                catchAll ??= route;
                continue;
            }
            for (var i = 0; i < hosts.Count; i++)
                if (name.Equals(hosts[i], StringComparison.OrdinalIgnoreCase))
                    return route;
        }
        return catchAll;
    }

    private static ReadOnlySpan<char> StripPort(ReadOnlySpan<char> span)
    {
        if (span.StartsWith("["))
        {
            var end = span.IndexOf(']');
            return end > 0 ? span[..(end + 1)] : span;
        }
        var colon = span.LastIndexOf(':');
        return colon >= 0 ? span[..colon] : span;
    }
}
