namespace Pier.Supervision;

/// <summary>One worker's memory cgroup: where its processes go, and whether the kernel OOM-killed in it.</summary>
internal sealed class WorkerCgroup(string path, bool v2)
{
    /// <summary>Writing a PID here moves that process (and what it forks later) into the cgroup.</summary>
    public string ProcsFile { get; } = Path.Combine(path, "cgroup.procs");

    /// <summary>How many processes the kernel killed in this cgroup for going over the limit.</summary>
    public int OomKills()
    {
        try
        {
            var file = Path.Combine(path, v2 ? "memory.events" : "memory.oom_control");
            foreach (var line in File.ReadLines(file))
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal))
                    return int.Parse(line.AsSpan(9));
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
        }
        return 0;
    }

    /// <summary>Removes the cgroup; the kernel allows it only once no process is left in it.</summary>
    public void Delete()
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                Directory.Delete(path);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
        }
    }
}
