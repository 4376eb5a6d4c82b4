namespace Pier.Configuration;

/// <summary>
/// How a crashed worker comes back: exponential backoff between <see cref="BackoffMin"/> and
/// <see cref="BackoffMax"/>; after <see cref="GiveUpCount"/> crashes within <see cref="GiveUpWindow"/>
/// the worker's slot is marked failed.
/// </summary>
internal sealed record RestartPolicy(TimeSpan BackoffMin, TimeSpan BackoffMax, int GiveUpCount, TimeSpan GiveUpWindow)
{
    public static readonly RestartPolicy Default =
        new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 5, TimeSpan.FromMinutes(1));
}
