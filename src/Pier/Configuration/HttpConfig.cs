namespace Pier.Configuration;

/// <summary>Makes a service an HTTP service: it gets a port and sits behind the front door.</summary>
/// <param name="Hosts">Host names routed to this service; empty means every host.</param>
internal sealed record HttpConfig(HealthCheckConfig? Health, IReadOnlyList<string> Hosts);
