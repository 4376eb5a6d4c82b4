using Pier.Supervision;

namespace Pier.Resources;

/// <summary>
/// Every second until Pier stops: sample CPU and memory of every worker and the host, feed the metrics,
/// and hand the sample to each consumer (memory pressure, CPU band, heap trim).
/// </summary>
internal sealed class UsageSampling(ResourceSampler sampler, PierMetrics metrics, Func<IReadOnlyList<SampledService>> services,
    IReadOnlyList<IUsageConsumer> consumers, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
                SampleOnce();
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal void SampleOnce()
    {
        var current = services();
        var workers = current.SelectMany(s => s.Workers).Select(w => w.Status).ToList();
        var usage = sampler.Sample(workers.Select(s => s.Pid).OfType<int>().ToList());
        metrics.Update(usage, workers);
        foreach (var consumer in consumers)
            consumer.Observe(usage, current);
    }

    /// <summary>Up and with a process: what memory and CPU are measured on.</summary>
    public static bool IsUp(WorkerStatus status) => status is { State: WorkerState.Ready or WorkerState.Running, Pid: not null };
}
