namespace Pier.Kestrel;

/// <summary>
/// Replaces the console lifetime, which would stop the web host on SIGTERM by itself: Pier orders
/// its own shutdown (drain the front door first, then stop the workers).
/// </summary>
internal sealed class ManualLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
