using System.CommandLine;
using Pier.Hosting;

namespace Pier.Cli;

/// <summary>`pier up`: run the config in the foreground (what systemd and containers start).</summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var command = new Command("up", """
            Run the services of a config in the foreground: before steps, workers, front door.
            Stops gracefully on SIGTERM or Ctrl-C.

            Example:
              pier up -c examples/hello-aspnet/pier.yaml
            """)
        { config, state };
        command.SetAction(async (parse, _) =>
        {
            var loaded = ConfigLocator.LoadOrReport(parse.GetValue(config), parse.GetValue(state), Console.Error);
            if (loaded is null)
                return ExitCodes.UsageOrConfig;
            var host = new PierHost(loaded, parse.GetValue(state), Console.Out, color: !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null);
            return await host.RunAsync();
        });
        return command;
    }
}
