using Pier.Configuration;

namespace Pier.Cli;

/// <summary>Finds and loads the config a command names: <c>-c FILE</c>, else ./pier.yaml.</summary>
internal static class ConfigLocator
{
    public const string DefaultFile = "pier.yaml";

    public static string Resolve(string? path) => Path.GetFullPath(path ?? DefaultFile);

    /// <summary>Loads the config or prints every error (file:line:column) to stderr; null then, and the caller exits 2.</summary>
    /// <param name="consequence">What the failure means for the command, e.g. "nothing was started".</param>
    public static PierConfig? LoadOrReport(string? path, string? stateOverride, TextWriter error, string consequence = "nothing was started")
    {
        var file = Resolve(path);
        try
        {
            return ConfigLoader.Load(file, stateOverride);
        }
        catch (ConfigException e)
        {
            foreach (var problem in e.Errors)
                error.WriteLine(problem.ToString());
            var count = e.Errors.Count;
            error.WriteLine(count == 1 ? $"pier: 1 problem in the config; {consequence}" : $"pier: {count} problems in the config; {consequence}");
            return null;
        }
    }
}
