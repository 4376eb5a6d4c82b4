namespace Pier.Configuration;

/// <summary>Makes a service an HTTP service: it gets a port (or a Unix socket) and sits behind the front door.</summary>
/// <param name="Hosts">Host names routed to this service; empty means every host.</param>
/// <param name="UnixSocket">The run line has <c>$SOCKET</c>: each worker listens on a Unix socket instead of a loopback port.</param>
internal sealed record HttpConfig(HealthCheckConfig? Health, IReadOnlyList<string> Hosts, bool UnixSocket = false);
