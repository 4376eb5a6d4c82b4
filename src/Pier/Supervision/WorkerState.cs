namespace Pier.Supervision;

/// <summary>The life of one worker slot, as Supervisor names its process states.</summary>
internal enum WorkerState
{
    /// <summary>Spawned, not yet accepting traffic (port closed or health check not yet 2xx).</summary>
    Starting,
    /// <summary>An HTTP worker in rotation.</summary>
    Ready,
    /// <summary>A background worker (no port) that is up.</summary>
    Running,
    /// <summary>Asked to stop: out of rotation, SIGTERM sent, waiting for it to end.</summary>
    Stopping,
    /// <summary>Ended unexpectedly; waiting out the restart delay.</summary>
    Backoff,
    /// <summary>Crashed too often within the give-up window; not restarted.</summary>
    Failed,
    /// <summary>Stopped on purpose.</summary>
    Stopped,
}
