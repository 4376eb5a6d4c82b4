namespace Pier.Routing;

/// <summary>The timeouts both lanes keep, so that a client meets the same limits whichever lane serves it.</summary>
internal static class FrontDoorLimits
{
    /// <summary>
    /// Slowloris: 10 s for a whole header section (Kestrel's default is 30 s), like HAProxy's recommended
    /// "timeout http-request 10s".
    /// </summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Between requests on a kept-alive client connection: Kestrel's default.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(130);

    /// <summary>A worker silent this long during a request gets it a 504.</summary>
    public static readonly TimeSpan ActivityTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Connecting to a worker or upstream.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A client's whole TLS handshake.</summary>
    public static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(10);
}
