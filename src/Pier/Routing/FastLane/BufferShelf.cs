namespace Pier.Routing.FastLane;

/// <summary>
/// A loop's own stock of buffers of one size. ArrayPool.Shared keeps 8 a size per core, and a loop
/// has as many requests in flight as connections; past those 8 every request would allocate 16–33 KiB,
/// and the collections that follow stall the loop (p99 in milliseconds). One thread, so no lock.
/// </summary>
internal sealed class BufferShelf(int size)
{
    // Enough for the connections a busy loop holds; more are left to the GC.
    private const int MaxKept = 1024;

    private readonly Stack<byte[]> _kept = new();

    public byte[] Take() => _kept.TryPop(out var buffer) ? buffer : new byte[size];

    public void Give(byte[] buffer)
    {
        if (_kept.Count < MaxKept)
            _kept.Push(buffer);
    }

    /// <summary>Lets go of all but <paramref name="keep"/> buffers, so that a burst's stock does not stay for good.</summary>
    public void Trim(int keep)
    {
        while (_kept.Count > keep)
            _kept.Pop();
    }
}
