using System.CommandLine;
using Pier.Control;

namespace Pier.Cli;

/// <summary>`pier stop`: the graceful stop SIGTERM gives, through the control socket.</summary>
internal static class StopCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var command = new Command("stop", """
            Stop the running instance gracefully: stop accepting, let requests in flight finish (up
            to the longest stop.timeout), stop every worker. Returns once Pier has begun stopping.

            Example:
              pier stop -c /srv/shop/pier.yaml
            """)
        { config, state };
        command.SetAction(async (parse, cancellation) =>
        {
            var stateDirectory = InstanceLocator.StateDirectory(parse.GetValue(config), parse.GetValue(state), Console.Error);
            if (stateDirectory is null)
                return ExitCodes.UsageOrConfig;
            using var client = new ControlClient(stateDirectory);
            if (await client.StopAsync(cancellation) is not { } answer)
            {
                await Console.Error.WriteLineAsync(client.NotRunning);
                return ExitCodes.Failed;
            }
            Console.WriteLine(answer.Message);
            return ExitCodes.Ok;
        });
        return command;
    }
}
