namespace Pier.Resources;

/// <summary>Something that acts on each second's sample: memory recycling, CPU scaling, the heap trim.</summary>
internal interface IUsageConsumer
{
    void Observe(UsageSnapshot usage, IReadOnlyList<SampledService> services);
}
