using System.CommandLine;
using System.CommandLine.Parsing;

namespace Pier.Cli;

/// <summary>`pier scale web=6`: add workers or drain the surplus.</summary>
internal static class ScaleCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var json = CliOptions.Json();
        var targets = new Argument<(string Service, int Workers)[]>("SERVICE=N")
        {
            Description = "The worker count wanted per service",
            Arity = ArgumentArity.OneOrMore,
            CustomParser = Parse,
        };
        var command = new Command("scale", """
            Set how many workers a service runs. New workers are ready before the command returns;
            surplus ones are taken out of rotation and drained first. Lasts until the next reload
            (the count in pier.yaml wins then).

            Examples:
              pier scale web=6
              pier scale web=2 queue=4
            """)
        { targets, config, state, json };
        command.SetAction(async (parse, cancellation) =>
        {
            foreach (var (service, workers) in parse.GetValue(targets)!)
            {
                var code = await ControlCommandRunner.RunAsync(parse.GetValue(config), parse.GetValue(state), parse.GetValue(json),
                    $"v1/scale?service={Uri.EscapeDataString(service)}&workers={workers}", cancellation);
                if (code != ExitCodes.Ok)
                    return code;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static (string, int)[] Parse(ArgumentResult result)
    {
        var parsed = new List<(string, int)>();
        foreach (var token in result.Tokens)
        {
            var parts = token.Value.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0 || !int.TryParse(parts[1], out var count) || count is < 0 or > 1000)
            {
                result.AddError($"'{token.Value}' is not SERVICE=N with N from 0 to 1000, like web=4");
                continue;
            }
            parsed.Add((parts[0], count));
        }
        return parsed.ToArray();
    }
}
