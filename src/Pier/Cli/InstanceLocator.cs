using Pier.Configuration;
using Pier.Control;

namespace Pier.Cli;

/// <summary>Finds the state directory of an instance: <c>--state DIR</c>, else from the config (<c>-c FILE</c> or ./pier.yaml).</summary>
internal static class InstanceLocator
{
    /// <summary>A client for the instance the options name; null when its state directory cannot be told (the reason is on stderr).</summary>
    public static ControlClient? Client(string? configPath, string? stateOverride) =>
        StateDirectory(configPath, stateOverride, Console.Error) is { } state ? new ControlClient(state) : null;

    /// <summary>Says on stderr that no Pier answers for the client's instance; the exit code for it.</summary>
    public static int NotRunning(ControlClient client)
    {
        Console.Error.WriteLine(client.NotRunning);
        return ExitCodes.Failed;
    }

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
