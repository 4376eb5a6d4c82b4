using Pier.Configuration;

namespace Pier.Supervision;

/// <summary>
/// Decides, after each crash of one worker slot, how long to wait before the next start, or that
/// the slot should give up. A worker that had started well (was serving) is restarted at once and
/// its crash is not held against it, as supervisord and PM2 do: backoff and giving up are for
/// workers that cannot start. Exponential with jitter, reset once a worker has stayed up a while.
/// </summary>
internal sealed class RestartBackoff(RestartPolicy policy, Random random)
{
    /// <summary>A worker that ran this long counts as having started well: the backoff starts over.</summary>
    public static readonly TimeSpan StableUptime = TimeSpan.FromSeconds(10);

    /// <summary>A background worker (no readiness to wait for) that ran this long had started well.</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromSeconds(1);

    private readonly Queue<DateTimeOffset> _recentCrashes = new();
    private int _consecutive;

    /// <summary>Crashes inside the give-up window, as of the last one recorded.</summary>
    public int RecentCrashes => _recentCrashes.Count;

    /// <summary>Records a crash; returns the delay before the next start, or null to give up.</summary>
    /// <param name="startedWell">The worker was serving when it ended: it is restarted at once.</param>
    public TimeSpan? RecordCrash(DateTimeOffset at, TimeSpan uptime, bool startedWell = false)
    {
        if (startedWell)
        {
            _consecutive = 0;
            return TimeSpan.Zero;
        }
        if (uptime >= StableUptime)
            _consecutive = 0;
        _recentCrashes.Enqueue(at);
        while (_recentCrashes.Peek() < at - policy.GiveUpWindow)
            _recentCrashes.Dequeue();
        if (_recentCrashes.Count >= policy.GiveUpCount)
            return null;

        var exponent = Math.Min(_consecutive++, 30);
        var ceiling = Math.Min(policy.BackoffMin.TotalMilliseconds * Math.Pow(2, exponent), policy.BackoffMax.TotalMilliseconds);
        // Jitter in the upper half keeps restarts of many workers from lining up while staying near the schedule.
        var delay = ceiling * (0.5 + random.NextDouble() * 0.5);
        return TimeSpan.FromMilliseconds(Math.Clamp(delay, policy.BackoffMin.TotalMilliseconds, policy.BackoffMax.TotalMilliseconds));
    }

    /// <summary>Forgets every crash: an operator restarted the slot by hand.</summary>
    public void Reset()
    {
        _recentCrashes.Clear();
        _consecutive = 0;
    }
}
