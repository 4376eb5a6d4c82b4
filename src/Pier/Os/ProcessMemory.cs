namespace Pier.Os;

/// <summary>A process's proportional set size from /proc/PID/smaps_rollup: its private pages plus its share of the shared ones.</summary>
internal static class ProcessMemory
{
    /// <summary>The PSS in bytes, or null when the process is gone or not ours to read. Walks the page tables: costly.</summary>
    public static long? Pss(int pid)
    {
        foreach (var line in (ProcFile.ReadAllText($"/proc/{pid}/smaps_rollup") ?? "").AsSpan().EnumerateLines())
            if (line.StartsWith("Pss:", StringComparison.Ordinal))
                return long.TryParse(line[4..].Trim().TrimEnd("kB").Trim(), out var kib) ? kib * 1024 : null;
        return null;
    }
}
