namespace Pier.Os;

/// <summary>This process's resource limits, as /proc/self/limits shows them.</summary>
internal static class ProcessLimits
{
    /// <summary>The soft and hard limits on open files (the hard one may read "unlimited"); null when not shown.</summary>
    public static (long Soft, string Hard)? OpenFiles()
    {
        var limits = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = limits?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 5 } && long.TryParse(fields[3], out var soft) ? (soft, fields[4]) : null;
    }
}
