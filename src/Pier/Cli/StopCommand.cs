using System.CommandLine;

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
            using var client = InstanceLocator.Client(parse.GetValue(config), parse.GetValue(state));
            if (client is null)
                return ExitCodes.UsageOrConfig;
            if (await client.StopAsync(cancellation) is not { } answer)
                return InstanceLocator.NotRunning(client);
            Console.WriteLine(answer.Message);
            return ExitCodes.Ok;
        });
        return command;
    }
}
