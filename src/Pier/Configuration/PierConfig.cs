namespace Pier.Configuration;

/// <summary>A validated pier.yaml: everything the host needs, with paths made absolute.</summary>
internal sealed record PierConfig(
    string Name,
    string FilePath,
    string StateDirectory,
    IReadOnlyList<ServiceConfig> Services,
    IReadOnlyList<BeforeStep> Before,
    ListenConfig Listen,
    HttpsConfig? Https = null,
    BeforePolicy? BeforePolicy = null,
    AdminConfig? Admin = null,
    LogsConfig? Logs = null)
{
    /// <summary>The directory that holds the config file; relative paths in it start here.</summary>
    public string BaseDirectory => Path.GetDirectoryName(FilePath)!;

    /// <summary>The longest stop timeout of any service: how long a whole shutdown may take.</summary>
    public TimeSpan LongestStopTimeout =>
        Services.Count == 0 ? TimeSpan.FromSeconds(10) : Services.Max(s => s.StopTimeout);
}
