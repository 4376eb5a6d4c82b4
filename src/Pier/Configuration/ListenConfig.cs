namespace Pier.Configuration;

/// <summary>The public listeners of the front door.</summary>
/// <param name="HttpAddress">Null binds every address; otherwise an IP address such as 127.0.0.1.</param>
/// <param name="HttpsAddress">Like <paramref name="HttpAddress"/>, for the HTTPS listener.</param>
/// <param name="HttpsPort">Null when the config has no <c>https</c> section: no HTTPS listener.</param>
internal sealed record ListenConfig(string? HttpAddress, int HttpPort, string? HttpsAddress = null, int? HttpsPort = null)
{
    public const int DefaultHttpPort = 80;

    public const int DefaultHttpsPort = 443;
}
