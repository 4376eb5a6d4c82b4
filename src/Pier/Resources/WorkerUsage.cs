namespace Pier.Resources;

/// <summary>What one worker's whole process tree uses, as of one sample.</summary>
/// <param name="CpuPercent">Percent of one core since the previous sample (200 = two cores busy).</param>
/// <param name="MemoryBytes">Proportional set size (shared pages split among their users) when readable, else resident set size.</param>
/// <param name="Processes">The worker and every process below it or in its process group.</param>
internal sealed record WorkerUsage(int Pid, double CpuPercent, long MemoryBytes, long RssBytes, int Processes);
