namespace Pier.Configuration;

/// <summary>The admin listener: /metrics (and, later, the dashboard and HTTP control API).</summary>
/// <param name="Explicit">False when nothing was configured: a busy default port then only warns.</param>
internal sealed record AdminConfig(string Address, int Port, bool Explicit)
{
    public static readonly AdminConfig Default = new("127.0.0.1", 9180, false);
}
