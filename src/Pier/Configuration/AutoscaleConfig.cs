namespace Pier.Configuration;

/// <summary>
/// <c>workers: { min, max, cpu: 50%..90% }</c>: keep the service's average CPU use per worker
/// inside the band by running between <see cref="Min"/> and <see cref="Max"/> workers.
/// </summary>
/// <param name="CpuLow">Below this share of one core per worker, fewer workers are enough (0..1).</param>
/// <param name="CpuHigh">Above this share, more workers are needed (0..1).</param>
/// <param name="Window">How long the CPU must stay outside the band before a worker is added or removed.</param>
/// <param name="Cooldown">The least time between two decisions, so a new worker's effect is seen first.</param>
internal sealed record AutoscaleConfig(int Min, int Max, double CpuLow, double CpuHigh, TimeSpan Window, TimeSpan Cooldown)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultCooldown = TimeSpan.FromSeconds(60);

    /// <summary>The middle of the band: the single target an autoscaler that takes one number (Kubernetes' HPA) holds.</summary>
    public double CpuTarget => (CpuLow + CpuHigh) / 2;
}
