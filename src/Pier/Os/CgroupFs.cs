namespace Pier.Os;

/// <summary>The cgroup filesystem: which memory controller is mounted, and where this process sits in it.</summary>
internal static class CgroupFs
{
    /// <summary>The unified (v2) hierarchy's mount.</summary>
    public const string Unified = "/sys/fs/cgroup";

    /// <summary>The v1 memory controller's mount.</summary>
    public const string MemoryV1 = "/sys/fs/cgroup/memory";

    private const string Controllers = "/sys/fs/cgroup/cgroup.controllers";

    /// <summary>Whether the unified hierarchy offers the memory controller.</summary>
    public static bool UnifiedHasMemory => File.Exists(Controllers) && File.ReadAllText(Controllers).Split(' ', '\n').Contains("memory");

    public static bool MemoryV1Mounted => Directory.Exists(MemoryV1);

    /// <summary>This process's cgroups, one "id:controllers:path" line per hierarchy (/proc/self/cgroup).</summary>
    public static string[] Membership() => File.ReadAllLines("/proc/self/cgroup");
}
