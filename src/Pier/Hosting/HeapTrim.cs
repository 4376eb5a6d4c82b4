namespace Pier.Hosting;

/// <summary>
/// Decides when Pier gives back the memory the GC keeps after a burst of allocation (the start, a deploy, a
/// wave of requests): once enough has been allocated since the last trim for a full collection to pay, and
/// Pier has then been quiet for a few seconds: little allocated and no request through the front door (the
/// fast lane forwards requests without allocating, and a full collection would pause it mid-load). The GC keeps what a burst made it commit, expecting more; a
/// supervisor is idle most of its life and should not hold its busiest moment's memory (about 2 MiB after
/// the start, 19 MiB after a burst of load; docs/benchmarks.md, Footprint).
/// </summary>
internal sealed class HeapTrim
{
    /// <summary>Less than this allocated since the last trim leaves too little to give back.</summary>
    public const long WorthTrimming = 1 << 20;

    /// <summary>Quiet: at most this much allocated over the last <see cref="QuietTicks"/> ticks.</summary>
    public const long QuietBytes = 256 << 10;

    public const int QuietTicks = 2;

    private readonly Queue<(long Allocated, long Requests)> _recent = new(QuietTicks + 1);
    private long _atLastTrim;

    /// <summary>
    /// Feeds the process's total allocated bytes and the requests the front door has answered, once a second;
    /// true when it is time to trim.
    /// </summary>
    public bool Tick(long allocatedBytes, long requests)
    {
        _recent.Enqueue((allocatedBytes, requests));
        if (_recent.Count <= QuietTicks)
            return false;
        var quietSince = _recent.Dequeue();
        if (allocatedBytes - quietSince.Allocated > QuietBytes || requests != quietSince.Requests || allocatedBytes - _atLastTrim < WorthTrimming)
            return false;
        _atLastTrim = allocatedBytes;
        return true;
    }
}
