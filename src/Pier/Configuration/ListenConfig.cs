namespace Pier.Configuration;

/// <summary>The public listeners of the front door.</summary>
/// <param name="HttpAddress">Null binds every address; otherwise an IP address such as 127.0.0.1.</param>
/// <param name="HttpsAddress">Like <paramref name="HttpAddress"/>, for the HTTPS listener.</param>
/// <param name="HttpsPort">Null when the config has no <c>https</c> section: no HTTPS listener.</param>
internal sealed record ListenConfig(string? HttpAddress, int HttpPort, string? HttpsAddress = null, int? HttpsPort = null)
{
    public const int DefaultHttpPort = 80;

    public const int DefaultHttpsPort = 443;

    /// <summary>The HTTP listener as Pier names it: <c>:80</c>, <c>127.0.0.1:8080</c>, <c>[::1]:8080</c>.</summary>
    public string Http => Name(HttpAddress, HttpPort);

    /// <summary>The HTTPS listener, named as <see cref="Http"/>; null without one.</summary>
    public string? Https => HttpsPort is { } port ? Name(HttpsAddress, port) : null;

    private static string Name(string? address, int port) =>
        address is null ? $":{port}" : address.Contains(':') ? $"[{address}]:{port}" : $"{address}:{port}";
}
