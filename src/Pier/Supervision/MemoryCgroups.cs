using Pier.Os;

namespace Pier.Supervision;

/// <summary>
/// Hard memory limits through cgroups: each worker with <c>memory.hard</c> runs in a cgroup of its
/// own below Pier's, so a runaway worker is OOM-killed alone and the rest of the server lives on.
/// Works with the v2 memory controller or v1's, when Pier may write there (as root).
/// </summary>
internal sealed class MemoryCgroups
{
    private readonly string _root;
    private readonly bool _v2;

    private MemoryCgroups(string root, bool v2)
    {
        _root = root;
        _v2 = v2;
    }

    /// <summary>The controller to use, or null with the reason it cannot be used.</summary>
    public static MemoryCgroups? Detect(string instance, out string? unavailable)
    {
        unavailable = null;
        if (Environment.UserName != "root")
        {
            unavailable = "Pier is not running as root, so it cannot create cgroups";
            return null;
        }
        try
        {
            var membership = CgroupFs.Membership();
            // v2 only: one "0::/path" line and a unified hierarchy at /sys/fs/cgroup with the memory controller.
            var unified = membership.FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
            if (unified is not null && CgroupFs.UnifiedHasMemory)
            {
                var parent = Path.Join(CgroupFs.Unified, unified[3..]);
                var root = Path.Combine(parent, $"pier-{instance}-{Environment.ProcessId}");
                Directory.CreateDirectory(root);
                // A v2 cgroup hands controllers to its children only when asked to.
                File.WriteAllText(Path.Combine(root, "cgroup.subtree_control"), "+memory");
                return new MemoryCgroups(root, v2: true);
            }
            var v1 = membership.Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains("memory"));
            if (v1 is not null && CgroupFs.MemoryV1Mounted)
            {
                var root = Path.Combine(Path.Join(CgroupFs.MemoryV1, v1[2]), $"pier-{instance}-{Environment.ProcessId}");
                Directory.CreateDirectory(root);
                return new MemoryCgroups(root, v2: false);
            }
            unavailable = "no cgroup memory controller is mounted";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unavailable = $"the cgroup memory controller is not writable ({e.Message})";
        }
        return null;
    }

    /// <summary>A fresh cgroup for one worker process with the hard limit set.</summary>
    public WorkerCgroup Create(string workerId, int attempt, long hardLimit)
    {
        var path = Path.Combine(_root, $"{workerId}-{attempt}");
        Directory.CreateDirectory(path);
        if (_v2)
        {
            File.WriteAllText(Path.Combine(path, "memory.max"), hardLimit.ToString());
            File.WriteAllText(Path.Combine(path, "memory.swap.max"), "0");
        }
        else
        {
            File.WriteAllText(Path.Combine(path, "memory.limit_in_bytes"), hardLimit.ToString());
            // Without this the worker would swap instead of being killed, where swap exists.
            var withSwap = Path.Combine(path, "memory.memsw.limit_in_bytes");
            if (File.Exists(withSwap))
                File.WriteAllText(withSwap, hardLimit.ToString());
        }
        return new WorkerCgroup(path, _v2);
    }

    /// <summary>Removes Pier's cgroup directory once every worker cgroup below it is gone.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(_root);
        }
        catch (IOException)
        {
        }
    }
}
