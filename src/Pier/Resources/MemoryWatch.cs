namespace Pier.Resources;

/// <summary>
/// Decides when a worker is over its memory limit for real: a few samples in a row, so that one
/// spike (a big request, a GC pause) does not recycle a healthy worker.
/// </summary>
internal sealed class MemoryWatch
{
    public const int SamplesOverLimit = 3;

    private readonly Dictionary<int, int> _overCount = new();

    /// <summary>Feeds one sample; returns the PIDs that have now been over their limit <see cref="SamplesOverLimit"/> times in a row.</summary>
    public IReadOnlyList<int> Observe(IEnumerable<(int Pid, long MemoryBytes, long? LimitBytes)> workers)
    {
        var due = new List<int>();
        var seen = new HashSet<int>();
        foreach (var (pid, memory, limit) in workers)
        {
            seen.Add(pid);
            if (limit is null || memory <= limit)
            {
                _overCount.Remove(pid);
                continue;
            }
            var count = _overCount[pid] = _overCount.GetValueOrDefault(pid) + 1;
            if (count == SamplesOverLimit)
                due.Add(pid);
        }
        foreach (var gone in _overCount.Keys.Where(p => !seen.Contains(p)).ToList())
            _overCount.Remove(gone);
        return due;
    }
}
