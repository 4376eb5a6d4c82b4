using Pier.Configuration;

namespace Pier.Cli;

/// <summary>Finds the state directory of an instance: <c>--state DIR</c>, else from the config (<c>-c FILE</c> or ./pier.yaml).</summary>
internal static class InstanceLocator
{
    public static string? StateDirectory(string? configPath, string? stateOverride, TextWriter error)
    {
        if (stateOverride is not null)
            return Path.GetFullPath(stateOverride);
        var file = ConfigLocator.Resolve(configPath);
        if (!File.Exists(file))
        {
            error.WriteLine($"pier: no config at {file}; name one with -c FILE, or the instance with --state DIR");
            return null;
        }
        return ConfigLocator.LoadOrReport(configPath, null, error)?.StateDirectory;
    }
}
