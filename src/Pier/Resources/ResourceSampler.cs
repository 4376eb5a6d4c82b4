using System.Diagnostics;
using Pier.Os;

namespace Pier.Resources;

/// <summary>
/// Samples /proc: CPU and memory of each worker's whole process tree (children of a shell wrapper
/// or a pre-forking master included), and the host's CPU and available memory. One pass over
/// /proc/*/stat per sample serves every worker.
/// </summary>
internal sealed class ResourceSampler
{
    // USER_HZ is 100 on every architecture Linux supports today; /proc reports CPU time in it.
    private const double TicksPerSecond = 100;
    private const int PssEvery = 5;

    // smaps_rollup walks a process's page tables: it is most of the sampler's cost. Up to 50 workers
    // each one's PSS is read every 5 s; beyond, the reads are spread (200 workers: every 20 s).
    private const int PssReadsPerSample = 10;
    private static readonly long PageSize = Environment.SystemPageSize;

    private readonly Dictionary<int, long> _lastTreeTicks = new();
    private readonly Dictionary<int, PssReading> _pss = new();
    private long _lastSampleTimestamp;
    private CpuTimes _lastHost;
    private int _samples;

    public UsageSnapshot Latest { get; private set; } = UsageSnapshot.Empty;

    /// <summary>Takes one sample for the given worker PIDs (each the leader of its process group).</summary>
    public UsageSnapshot Sample(IReadOnlyCollection<int> workerPids)
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = _lastSampleTimestamp == 0 ? 0 : Stopwatch.GetElapsedTime(_lastSampleTimestamp, now).TotalSeconds;
        _lastSampleTimestamp = now;
        var sample = _samples++;
        // Never read first, then the longest ago; none read again within PssEvery samples.
        var pssDue = workerPids
            .Select(pid => (Pid: pid, Last: _pss.TryGetValue(pid, out var reading) ? reading.Sample : int.MinValue))
            .Where(w => w.Last == int.MinValue || sample - w.Last >= PssEvery)
            .OrderBy(w => w.Last)
            .Take(PssReadsPerSample)
            .Select(w => w.Pid)
            .ToHashSet();

        // With no workers (url: services alone) there is no tree to find: Pier stays off /proc.
        var table = workerPids.Count == 0 ? [] : ProcessTable.All().ToList();
        var children = table.ToLookup(e => e.ParentPid);
        var byGroup = table.ToLookup(e => e.ProcessGroup);
        var workers = new Dictionary<int, WorkerUsage>();
        foreach (var pid in workerPids)
        {
            var tree = Tree(pid, children, byGroup);
            if (tree.Count == 0)
                continue;
            var ticks = tree.Sum(e => e.CpuTicks);
            var cpu = elapsed > 0 && _lastTreeTicks.TryGetValue(pid, out var before)
                ? Math.Max(0, ticks - before) / TicksPerSecond / elapsed * 100
                : 0;
            _lastTreeTicks[pid] = ticks;
            var rss = tree.Sum(e => e.RssPages) * PageSize;
            if (pssDue.Contains(pid))
                _pss[pid] = new PssReading(tree.Sum(e => ProcessMemory.Pss(e.Pid) ?? e.RssPages * PageSize), rss, sample);
            // Between readings, growth of RSS is growth of PSS (new pages are the process's own), so a
            // worker racing past its memory limit is seen within a second, not at its next reading.
            var memory = _pss.TryGetValue(pid, out var pss) ? Math.Max(0, pss.Bytes + rss - pss.RssAtReading) : rss;
            workers[pid] = new WorkerUsage(pid, Math.Round(cpu, 1), memory, rss, tree.Count);
        }
        foreach (var gone in _lastTreeTicks.Keys.Where(p => !workers.ContainsKey(p)).ToList())
        {
            _lastTreeTicks.Remove(gone);
            _pss.Remove(gone);
        }
        Latest = new UsageSnapshot(DateTimeOffset.UtcNow, Host(), workers);
        return Latest;
    }

    private static List<ProcessTable.Entry> Tree(int pid, ILookup<int, ProcessTable.Entry> children, ILookup<int, ProcessTable.Entry> byGroup)
    {
        var seen = new Dictionary<int, ProcessTable.Entry>();
        var pending = new Stack<ProcessTable.Entry>(byGroup[pid]);
        while (pending.TryPop(out var entry))
        {
            if (entry.State == 'Z' || !seen.TryAdd(entry.Pid, entry))
                continue;
            foreach (var child in children[entry.Pid])
                pending.Push(child);
        }
        return seen.Values.ToList();
    }

    /// <param name="Sample">The sample it was taken in.</param>
    private readonly record struct PssReading(long Bytes, long RssAtReading, int Sample);

    private HostUsage Host()
    {
        double cpu = 0;
        if (CpuTimes.Read() is { } now)
        {
            if (_lastHost.Total > 0 && now.Total > _lastHost.Total)
                cpu = Math.Round(100.0 * (now.Busy - _lastHost.Busy) / (now.Total - _lastHost.Total), 1);
            _lastHost = now;
        }
        var memory = MemoryInfo.Read();
        return new HostUsage(cpu, Environment.ProcessorCount, memory.TotalBytes, memory.AvailableBytes);
    }
}
