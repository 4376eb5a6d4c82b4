namespace Pier.Configuration;

/// <summary>Memory per worker, in bytes; each null when not set.</summary>
/// <param name="Limit">Recycle a worker whose process tree stays above this.</param>
/// <param name="Hard">A cgroup limit: above it the kernel OOM-kills the worker alone.</param>
/// <param name="Expect">The size a worker is expected to reach, for the memory budget before it has been measured.</param>
internal sealed record MemoryConfig(long? Limit, long? Hard, long? Expect)
{
    public static readonly MemoryConfig None = new(null, null, null);
}
