using Pier.Configuration;

namespace Pier.Resources;

/// <summary>
/// Holds a service's CPU per worker inside its band (<c>workers: { min, max, cpu: 50%..90% }</c>):
/// one worker more when every sample of the last window was above the band, one fewer when every
/// one was below, never outside min..max, and not again before the cooldown has passed.
/// </summary>
internal sealed class Autoscaler
{
    private readonly Dictionary<string, Queue<(DateTimeOffset At, double Cpu)>> _history = new();
    private readonly Dictionary<string, DateTimeOffset> _lastDecision = new();

    /// <summary>Feeds one sample: the service's average CPU per worker as a share of one core (1.0 = a core busy). Returns the worker count wanted.</summary>
    public int Observe(string service, AutoscaleConfig config, int workers, double cpuPerWorker, DateTimeOffset now)
    {
        if (!_history.TryGetValue(service, out var samples))
            _history[service] = samples = new Queue<(DateTimeOffset, double)>();
        samples.Enqueue((now, cpuPerWorker));
        while (samples.Peek().At < now - config.Window)
            samples.Dequeue();

        var wanted = Math.Clamp(workers, config.Min, config.Max);
        if (wanted != workers)
            return wanted;
        var covered = now - samples.Peek().At >= config.Window * 0.9;
        var cooling = _lastDecision.TryGetValue(service, out var last) && now - last < config.Cooldown;
        if (!covered || cooling)
            return workers;
        if (samples.All(s => s.Cpu > config.CpuHigh) && workers < config.Max)
            wanted = workers + 1;
        else if (samples.All(s => s.Cpu < config.CpuLow) && workers > config.Min)
            wanted = workers - 1;
        if (wanted != workers)
        {
            _lastDecision[service] = now;
            samples.Clear();
        }
        return wanted;
    }
}
