namespace Pier.Os;

/// <summary>The machine's CPU time so far, in clock ticks, from the first line of /proc/stat.</summary>
/// <param name="Busy">Every state but idle and iowait.</param>
internal readonly record struct CpuTimes(long Busy, long Total)
{
    /// <summary>Null when /proc/stat cannot be read.</summary>
    public static CpuTimes? Read()
    {
        // The first line: "cpu" and the machine's time in user, nice, system, idle, iowait, irq, softirq, steal.
        var first = (ProcFile.ReadAllText("/proc/stat") ?? "").AsSpan().EnumerateLines();
        Span<Range> fields = stackalloc Range[10];
        if (!first.MoveNext() || first.Current.Split(fields, ' ', StringSplitOptions.RemoveEmptyEntries) < 9)
            return null;
        long total = 0, idle = 0;
        for (var i = 1; i <= 8; i++)
        {
            var ticks = long.Parse(first.Current[fields[i]]);
            total += ticks;
            if (i is 4 or 5)
                idle += ticks;
        }
        return new CpuTimes(total - idle, total);
    }
}
