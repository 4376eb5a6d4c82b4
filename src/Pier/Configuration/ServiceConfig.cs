namespace Pier.Configuration;

/// <summary>One service: a command run as <see cref="Workers"/> supervised processes.</summary>
/// <param name="Directory">Absolute working directory of the workers.</param>
/// <param name="Env">The merged environment: env_file first, then env on top.</param>
/// <param name="Http">Null for a background service (no port, no front door).</param>
internal sealed record ServiceConfig(
    string Name,
    string Run,
    string Directory,
    IReadOnlyDictionary<string, string> Env,
    int Workers,
    HttpConfig? Http,
    TimeSpan StopTimeout,
    RestartPolicy Restart);
