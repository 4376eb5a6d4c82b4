using System.Diagnostics;
using Pier.Os;
using Pier.Supervision;

namespace Pier.Routing;

/// <summary>
/// One ready worker as the front door sees it. The object lives as long as that worker process is in
/// rotation, across routing-table snapshots, so its in-flight count stays true.
/// </summary>
/// <param name="socketPath">The worker's Unix socket; null for a worker on a port and for a service Pier only forwards to.</param>
/// <param name="pid">The worker's process; null for a service Pier only forwards to.</param>
internal sealed class Destination(string workerId, string prefix, string? socketPath = null, int? pid = null)
{
    /// <summary>A worker on a loopback port or a Unix socket.</summary>
    public static Destination ForWorker(string workerId, WorkerEndpoint endpoint, int pid) => new(workerId, endpoint.BaseUrl, endpoint.SocketPath, pid);

    /// <summary>A service Pier only forwards to (<c>url:</c>): one destination, the URL itself.</summary>
    public static Destination ForUpstream(string service, Uri url) => new(service, url.GetLeftPart(UriPartial.Authority) + "/");

    private static readonly long RefusedPenalty = TimeSpan.FromSeconds(1).Ticks;

    private int _inFlight;
    private long _unavailableUntil;
    private volatile bool _retiring;

    public string WorkerId { get; } = workerId;

    /// <summary>The URL prefix YARP forwards to.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>Reached through <see cref="WorkerSockets.ConnectAsync"/>: the prefix's host names a socket.</summary>
    public bool ViaUnixSocket => SocketPath is not null;

    /// <summary>The worker's Unix socket, which the fast lane connects to itself.</summary>
    public string? SocketPath { get; } = socketPath;

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Begin() => Interlocked.Increment(ref _inFlight);

    public void End() => Interlocked.Decrement(ref _inFlight);

    /// <summary>False for a moment after the worker refused a connection: it is dying or dead, and the supervisor will say which.</summary>
    public bool IsAvailable(long nowTicks) => nowTicks >= Volatile.Read(ref _unavailableUntil);

    public void MarkRefused(long nowTicks) => Volatile.Write(ref _unavailableUntil, nowTicks + RefusedPenalty);

    /// <summary>
    /// True once Pier has taken the worker out of rotation to stop it (a failed health check, its memory
    /// limit, a deploy): a request cut off there was not what broke the worker.
    /// </summary>
    public bool IsRetiring => _retiring;

    public void Retire() => _retiring = true;

    /// <summary>
    /// True when the worker's process is gone or goes within <paramref name="grace"/>. A reset connection says
    /// either that the worker closed it with the request unread (it lives on) or that it died, often of the
    /// request itself; its process tells which. False for a service Pier only forwards to.
    /// </summary>
    public async Task<bool> DiesWithinAsync(TimeSpan grace)
    {
        if (pid is not { } process)
            return false;
        var started = Stopwatch.GetTimestamp();
        while (ProcessTable.TryRead(process) is { State: not 'Z' and not 'X' })
        {
            if (Stopwatch.GetElapsedTime(started) >= grace)
                return false;
            await Task.Delay(5);
        }
        return true;
    }
}
