namespace Pier.Routing;

/// <summary>
/// The timeouts both lanes keep, so that a client meets the same limits whichever lane serves it, and the sizes of
/// the fast lane's buffers, which decide what it serves itself and what it hands on to Kestrel.
/// </summary>
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

    /// <summary>A client connection's input: a request head beyond it goes to Kestrel (whose own limit is 32 KiB).</summary>
    public const int ClientInputBytes = 16 * 1024;

    /// <summary>The head the fast lane writes for a worker: Kestrel's 8 KiB request line and more.</summary>
    public const int WorkerRequestBytes = 9 * 1024;

    /// <summary>A response head rewritten for the client, with the start of its body.</summary>
    public const int ClientAnswerBytes = 33 * 1024;

    /// <summary>What the fast lane reads from a worker at once; an answer with a length that fits is passed on whole.</summary>
    public const int WorkerInputBytes = 16 * 1024;

    /// <summary>A tunnel to Kestrel: a client's whole buffered head and the preamble fit at once.</summary>
    public const int TunnelBytes = ClientInputBytes + 256;
}
