namespace Pier.Configuration;

/// <summary>
/// The health endpoint: readiness before a worker gets traffic, liveness afterwards
/// (<see cref="Failures"/> failed checks in a row restart the worker).
/// </summary>
internal sealed record HealthCheckConfig(string Path, TimeSpan Interval, TimeSpan Timeout, int Failures)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);
    public const int DefaultFailures = 3;
}
