namespace Pier.Resources;

/// <summary>The host's memory from /proc/meminfo.</summary>
internal readonly record struct MemoryInfo(long TotalBytes, long AvailableBytes)
{
    public static MemoryInfo Read()
    {
        long total = 0, available = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    total = Kilobytes(line);
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    available = Kilobytes(line);
            }
        }
        catch (IOException)
        {
        }
        return new MemoryInfo(total, available);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().TrimEnd("kB").Trim()) * 1024;
}
