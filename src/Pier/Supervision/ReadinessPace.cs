namespace Pier.Supervision;

/// <summary>
/// How often a starting worker is asked whether it listens yet. The workers starting at one time share
/// one budget: a lone replacement (a crash under load) is looked at every 5 ms, so it is in rotation
/// within a few ms of listening; 200 workers starting together are each looked at every 100 ms, so
/// Pier's probes stay a small fraction of the machine however many there are.
/// </summary>
internal sealed class ReadinessPace
{
    public static readonly TimeSpan Fastest = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan Slowest = TimeSpan.FromMilliseconds(100);

    private int _waiting;

    /// <summary>Workers waiting for readiness now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The wait between two looks at one worker: <see cref="Fastest"/> per worker waiting, up to <see cref="Slowest"/>.</summary>
    public TimeSpan Interval => TimeSpan.FromTicks(Math.Clamp(Fastest.Ticks * Waiting, Fastest.Ticks, Slowest.Ticks));

    /// <summary>Counts a worker as waiting until the returned scope is disposed.</summary>
    public IDisposable Wait()
    {
        Interlocked.Increment(ref _waiting);
        return new Scope(this);
    }

    private sealed class Scope(ReadinessPace pace) : IDisposable
    {
        private ReadinessPace? _pace = pace;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _pace, null) is { } pace)
                Interlocked.Decrement(ref pace._waiting);
        }
    }
}
