namespace Pier.Routing;

/// <summary>
/// One ready worker as the front door sees it. The object lives as long as that worker process is in
/// rotation, across routing-table snapshots, so its in-flight count stays true.
/// </summary>
internal sealed class Destination(string workerId, int port, string? prefix = null)
{
    /// <summary>A service Pier only forwards to (<c>url:</c>): one destination, the URL itself.</summary>
    public static Destination ForUpstream(string service, Uri url) => new(service, url.Port, url.GetLeftPart(UriPartial.Authority) + "/");

    private static readonly long RefusedPenalty = TimeSpan.FromSeconds(1).Ticks;

    private int _inFlight;
    private long _unavailableUntil;

    public string WorkerId { get; } = workerId;

    public int Port { get; } = port;

    /// <summary>The URL prefix YARP forwards to.</summary>
    public string Prefix { get; } = prefix ?? $"http://127.0.0.1:{port}/";

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Begin() => Interlocked.Increment(ref _inFlight);

    public void End() => Interlocked.Decrement(ref _inFlight);

    /// <summary>False for a moment after the worker refused a connection: it is dying or dead, and the supervisor will say which.</summary>
    public bool IsAvailable(long nowTicks) => nowTicks >= Volatile.Read(ref _unavailableUntil);

    public void MarkRefused(long nowTicks) => Volatile.Write(ref _unavailableUntil, nowTicks + RefusedPenalty);
}
