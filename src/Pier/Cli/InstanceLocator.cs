using Pier.Configuration;
using Pier.Control;

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
        try
        {
            return ConfigLoader.Load(file).StateDirectory;
        }
        catch (ConfigException e)
        {
            // A config broken mid-edit must not hide the instance that runs the previous one.
            var fallback = Path.Combine(Path.GetDirectoryName(file)!, ".pier");
            if (File.Exists(Path.Combine(fallback, ControlServer.SocketName)))
                return fallback;
            foreach (var problem in e.Errors)
                error.WriteLine(problem.ToString());
            error.WriteLine($"pier: the config has {e.Errors.Count} problem(s) and names no running instance; give it with --state DIR");
            return null;
        }
    }
}
