namespace Pier.Configuration;

/// <summary>One service: a command run as <see cref="Workers"/> supervised processes.</summary>
/// <param name="Directory">Absolute working directory of the workers.</param>
/// <param name="Env">The merged environment: env_file first, then env on top.</param>
/// <param name="Http">Null for a background service (no port, no front door).</param>
/// <param name="Upstream"><c>url:</c> a service Pier does not run but forwards to (another host or container); it has no workers.</param>
/// <param name="WorkersAuto"><c>workers: auto</c>: <see cref="Workers"/> is the number of CPU cores.</param>
/// <param name="User">Run the workers as this user (Pier keeps the ports); null runs them as Pier's user.</param>
/// <param name="Autoscale">Set by <c>workers: { min, max, cpu }</c>; <see cref="Workers"/> is then the minimum.</param>
internal sealed record ServiceConfig(
    string Name,
    string Run,
    string Directory,
    IReadOnlyDictionary<string, string> Env,
    int Workers,
    HttpConfig? Http,
    TimeSpan StopTimeout,
    RestartPolicy Restart,
    MemoryConfig? Memory = null,
    string? User = null,
    DeployPolicy? Deploy = null,
    AutoscaleConfig? Autoscale = null,
    bool WorkersAuto = false,
    Uri? Upstream = null);
