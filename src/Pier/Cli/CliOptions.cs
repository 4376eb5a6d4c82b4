using System.CommandLine;

namespace Pier.Cli;

/// <summary>The options several commands share, so they read the same everywhere.</summary>
internal static class CliOptions
{
    public static Option<string?> Config() => new("--config", "-c")
    {
        Description = "The config file [default: ./pier.yaml]",
        HelpName = "FILE",
    };

    public static Option<string?> State() => new("--state")
    {
        Description = "The state directory of the instance [default: .pier next to the config]",
        HelpName = "DIR",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON for scripts instead of a table",
    };
}
