using Pier.Resources;

namespace Pier.Hosting;

/// <summary>Each second's sample asks <see cref="HeapTrim"/> whether Pier should give its spare memory back now.</summary>
internal sealed class HeapTrimming(PierMetrics metrics) : IUsageConsumer
{
    private readonly HeapTrim _trim = new();

    public void Observe(UsageSnapshot usage, IReadOnlyList<SampledService> services)
    {
        if (_trim.Tick(GC.GetTotalAllocatedBytes(), metrics.RequestsAnswered))
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
