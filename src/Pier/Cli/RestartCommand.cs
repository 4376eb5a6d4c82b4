using System.CommandLine;

namespace Pier.Cli;

/// <summary>`pier restart web.2` or `pier restart web`: replace workers without dropping a request.</summary>
internal static class RestartCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var json = CliOptions.Json();
        var target = new Argument<string>("TARGET") { Description = "A worker (web.2) or a whole service (web)" };
        var command = new Command("restart", """
            Replace a worker, or every worker of a service one by one: the replacement is ready
            before the old process is drained and stopped. Restarting a failed worker starts it again.

            Examples:
              pier restart web.2
              pier restart web
            """)
        { target, config, state, json };
        command.SetAction((parse, cancellation) =>
            ControlCommandRunner.RunAsync(parse.GetValue(config), parse.GetValue(state), parse.GetValue(json),
                $"v1/restart?target={Uri.EscapeDataString(parse.GetValue(target)!)}", cancellation));
        return command;
    }
}
