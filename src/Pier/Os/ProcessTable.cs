namespace Pier.Os;

/// <summary>Reads the process table from /proc: who is alive, in which process group, with which parent.</summary>
internal static class ProcessTable
{
    /// <param name="CpuTicks">User plus system time so far, in clock ticks (1/100 s on Linux).</param>
    /// <param name="RssPages">Resident set size in pages.</param>
    internal readonly record struct Entry(int Pid, int ParentPid, int ProcessGroup, char State, long CpuTicks, long RssPages);

    public static IEnumerable<Entry> All()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
                continue;
            if (TryRead(pid) is { } entry)
                yield return entry;
        }
    }

    public static Entry? TryRead(int pid)
    {
        if (ProcFile.ReadAllText($"/proc/{pid}/stat") is not { } stat)
            return null;
        // The command name may hold spaces and parentheses: fields start after the last ')'. Fields are numbered
        // from 3 (state) here: utime is field 14, stime 15, rss 24 (proc(5)). Read in place: this runs for every
        // process on the machine every second.
        var rest = stat.AsSpan(stat.LastIndexOf(')') + 2);
        Span<Range> fields = stackalloc Range[23];
        if (rest.Split(fields, ' ') < fields.Length)
            return null;
        return new Entry(pid, int.Parse(rest[fields[1]]), int.Parse(rest[fields[2]]), rest[fields[0]][0],
            long.Parse(rest[fields[11]]) + long.Parse(rest[fields[12]]), long.Parse(rest[fields[21]]));
    }

    public static bool EnvironmentContains(int pid, byte[] entry)
    {
        try
        {
            var environment = File.ReadAllBytes($"/proc/{pid}/environ");
            return environment.AsSpan().IndexOf(entry) >= 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
