namespace Pier.Configuration;

/// <summary>How a service's workers are replaced in a rolling deploy.</summary>
/// <param name="MaxSurge">New workers started at once, each before an old one is taken out.</param>
/// <param name="ReadyTimeout">A new worker not ready this long after it started fails the deploy (and, outside deploys, is restarted).</param>
internal sealed record DeployPolicy(int MaxSurge, TimeSpan ReadyTimeout)
{
    public static readonly DeployPolicy Default = new(1, TimeSpan.FromSeconds(60));
}
