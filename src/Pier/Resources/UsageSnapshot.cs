namespace Pier.Resources;

/// <summary>One sample of the host and every worker, keyed by the worker's PID; replaced whole each second.</summary>
internal sealed record UsageSnapshot(DateTimeOffset At, HostUsage Host, IReadOnlyDictionary<int, WorkerUsage> Workers)
{
    public static readonly UsageSnapshot Empty = new(DateTimeOffset.MinValue, HostUsage.Unknown, new Dictionary<int, WorkerUsage>());
}
