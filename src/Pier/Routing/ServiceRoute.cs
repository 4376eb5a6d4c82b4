namespace Pier.Routing;

/// <summary>An HTTP service in one routing snapshot: the hosts it answers and its ready workers.</summary>
/// <param name="Hosts">Lower-case host names; empty matches every host.</param>
internal sealed record ServiceRoute(string Service, IReadOnlyList<string> Hosts, Destination[] Destinations);
