
namespace Pier.Os;

/// <summary>The host's memory from /proc/meminfo.</summary>
internal readonly record struct MemoryInfo(long TotalBytes, long AvailableBytes)
{
    public static MemoryInfo Read()
    {
        long total = 0, available = 0;
        foreach (var line in (ProcFile.ReadAllText("/proc/meminfo") ?? "").AsSpan().EnumerateLines())
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                total = Kilobytes(line);
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                available = Kilobytes(line);
        }
        return new MemoryInfo(total, available);
    }

    private static long Kilobytes(ReadOnlySpan<char> line) =>
        long.Parse(line[(line.IndexOf(':') + 1)..].Trim().TrimEnd("kB").Trim()) * 1024;
}
