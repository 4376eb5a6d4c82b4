using System.Diagnostics;
using Pier.Supervision;

namespace Pier.Routing;

/// <summary>
/// One ready worker as the front door sees it. The object lives as long as that worker process is in
/// rotation, across routing-table snapshots, so its in-flight count stays true. Its pool retires it
/// when the worker is being stopped and marks it gone when the process has ended.
/// </summary>
/// <param name="socketPath">The worker's Unix socket; null for a worker on a port and for a service Pier only forwards to.</param>
/// <param name="pid">The worker's process; null for a service Pier only forwards to.</param>
internal sealed class Destination(string workerId, string prefix, string? socketPath = null, int? pid = null)
{
    /// <summary>A worker on a loopback port or a Unix socket.</summary>
    public static Destination ForWorker(string workerId, WorkerEndpoint endpoint, int pid) => new(workerId, endpoint.BaseUrl, endpoint.SocketPath, pid);

    /// <summary>A service Pier only forwards to (<c>url:</c>): one destination, the URL itself.</summary>
    public static Destination ForUpstream(string service, Uri url) => new(service, url.GetLeftPart(UriPartial.Authority) + "/");

    // One second in Stopwatch ticks, the unit both lanes pass: TimeSpan's ticks made it 10 ms on Linux.
    private static readonly long RefusedPenalty = Stopwatch.Frequency;

    private readonly TaskCompletionSource _gone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private long _unavailableUntil;
    private volatile bool _retiring;
    // Set by the first drain; End completes it when the last request in flight is done.
    private TaskCompletionSource? _drained;

    public string WorkerId { get; } = workerId;

    /// <summary>The URL prefix YARP forwards to.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>Reached through <see cref="WorkerSockets.ConnectAsync"/>: the prefix's host names a socket.</summary>
    public bool ViaUnixSocket => SocketPath is not null;

    /// <summary>The worker's Unix socket, which the fast lane connects to itself.</summary>
    public string? SocketPath { get; } = socketPath;

    public int InFlight => Volatile.Read(ref _inFlight);

    public void Begin() => Interlocked.Increment(ref _inFlight);

    public void End()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
            Volatile.Read(ref _drained)?.TrySetResult();
    }

    /// <summary>False for a moment after the worker refused a connection: it is dying or dead, and the supervisor will say which.</summary>
    public bool IsAvailable(long nowTicks) => nowTicks >= Volatile.Read(ref _unavailableUntil);

    public void MarkRefused(long nowTicks) => Volatile.Write(ref _unavailableUntil, nowTicks + RefusedPenalty);

    /// <summary>
    /// True once Pier has taken the worker out of rotation to stop it (a failed health check, its memory
    /// limit, a deploy): a request cut off there was not what broke the worker.
    /// </summary>
    public bool IsRetiring => _retiring;

    public void Retire() => _retiring = true;

    /// <summary>The worker's process has ended: the supervisor saw it exit.</summary>
    public void MarkGone() => _gone.TrySetResult();

    /// <summary>
    /// Completes once no request is in flight here any more, or when <paramref name="deadline"/> has passed,
    /// whichever comes first. Called once the destination is out of rotation, so the count only falls.
    /// </summary>
    public async Task DrainAsync(TimeSpan deadline, TimeProvider time)
    {
        Interlocked.CompareExchange(ref _drained, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        // Read after the signal is in place: an End that brought the count to zero before it saw nothing to complete.
        if (InFlight <= 0)
            return;
        try
        {
            await _drained!.Task.WaitAsync(deadline, time);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>
    /// True when the worker's process is gone or goes within <paramref name="grace"/>. A reset connection says
    /// either that the worker closed it with the request unread (it lives on) or that it died, often of the
    /// request itself; the supervisor, which sees the exit at once, tells which. False for a service Pier only
    /// forwards to.
    /// </summary>
    public async Task<bool> DiesWithinAsync(TimeSpan grace)
    {
        if (pid is null)
            return false;
        if (_gone.Task.IsCompleted || grace <= TimeSpan.Zero)
            return _gone.Task.IsCompleted;
        try
        {
            await _gone.Task.WaitAsync(grace);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
