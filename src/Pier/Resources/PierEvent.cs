namespace Pier.Resources;

/// <summary>Something that happened to a worker or a service: a start, an exit, a recycle, a deploy.</summary>
/// <param name="Kind">start, ready, exit, failed, stop, recycle, oom, scale, deploy.</param>
internal sealed record PierEvent(DateTimeOffset At, string Kind, string? Service, string? Worker, string Message);
