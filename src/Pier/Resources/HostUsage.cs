namespace Pier.Resources;

/// <summary>The whole server, as of one sample.</summary>
/// <param name="CpuPercent">Busy share of all cores, 0–100.</param>
internal sealed record HostUsage(double CpuPercent, int Cores, long MemoryTotalBytes, long MemoryAvailableBytes)
{
    public static readonly HostUsage Unknown = new(0, Environment.ProcessorCount, 0, 0);
}
