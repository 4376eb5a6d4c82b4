namespace Pier.Configuration;

/// <summary>The admin listener: /metrics, the dashboard and the HTTP control API under /api/.</summary>
/// <param name="Explicit">False when nothing was configured: a busy default port then only warns.</param>
/// <param name="RequireToken">The API asks for the bearer token; off only on a loopback address.</param>
/// <param name="MetricsOpen">/metrics answers without the token (scrapers rarely carry one).</param>
internal sealed record AdminConfig(string Address, int Port, bool Explicit, bool RequireToken = true, bool MetricsOpen = true)
{
    public static readonly AdminConfig Default = new("127.0.0.1", 9180, false);

    public bool IsLoopback => System.Net.IPAddress.TryParse(Address, out var ip) && System.Net.IPAddress.IsLoopback(ip);
}
