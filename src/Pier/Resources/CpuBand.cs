namespace Pier.Resources;

/// <summary>
/// Feeds each autoscaled service's CPU per worker to the <see cref="Autoscaler"/> and asks for the worker
/// count it decides (service, count, why) when that differs from the desired one.
/// </summary>
internal sealed class CpuBand(Action<string, int, string> scale) : IUsageConsumer
{
    private readonly Autoscaler _autoscaler = new();

    public void Observe(UsageSnapshot usage, IReadOnlyList<SampledService> services)
    {
        foreach (var (service, desired, workers) in services.Where(s => s.Service.Autoscale is not null))
        {
            var up = workers.Select(w => w.Status).Where(UsageSampling.IsUp).ToList();
            if (up.Count == 0)
                continue;
            var cpu = up.Average(s => usage.Workers.TryGetValue(s.Pid!.Value, out var u) ? u.CpuPercent : 0) / 100;
            var band = service.Autoscale!;
            var wanted = _autoscaler.Observe(service.Name, band, desired, cpu, usage.At);
            if (wanted != desired)
                scale(service.Name, wanted, $"cpu {cpu * 100:0}% of a core per worker, band {band.CpuLow * 100:0}%..{band.CpuHigh * 100:0}%");
        }
    }
}
