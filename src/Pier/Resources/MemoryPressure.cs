namespace Pier.Resources;

/// <summary>
/// Finds the workers that stayed above their <c>memory.limit</c> for <see cref="MemoryWatch.SamplesOverLimit"/>
/// samples and asks for each to be recycled (with the memory it used).
/// </summary>
internal sealed class MemoryPressure(Action<Supervision.Worker, long> recycle) : IUsageConsumer
{
    private readonly MemoryWatch _watch = new();

    public void Observe(UsageSnapshot usage, IReadOnlyList<SampledService> services)
    {
        var workers = services.SelectMany(s => s.Workers).ToList();
        var due = _watch.Observe(workers
            .Where(w => UsageSampling.IsUp(w.Status))
            .Select(w => (w.Status.Pid!.Value, usage.Workers.TryGetValue(w.Status.Pid!.Value, out var u) ? u.MemoryBytes : 0, w.Service.Memory?.Limit)));
        foreach (var pid in due)
        {
            if (workers.FirstOrDefault(w => w.Status.Pid == pid) is { } worker)
                recycle(worker, usage.Workers[pid].MemoryBytes);
        }
    }
}
