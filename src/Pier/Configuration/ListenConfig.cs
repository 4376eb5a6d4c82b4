namespace Pier.Configuration;

/// <summary>The public listeners of the front door.</summary>
/// <param name="HttpAddress">Null binds every address; otherwise an IP address such as 127.0.0.1.</param>
internal sealed record ListenConfig(string? HttpAddress, int HttpPort)
{
    public const int DefaultHttpPort = 80;
}
