using System.CommandLine;

namespace Pier.Cli;

/// <summary>`pier reload [SERVICE]`: zero-downtime deploy of the config as it is now on disk.</summary>
internal static class ReloadCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var json = CliOptions.Json();
        var service = new Argument<string?>("SERVICE") { Description = "Reload only this service", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("reload", """
            Deploy the config as it is on disk now, without dropping a request: validate it (a bad file
            changes nothing), run the before steps, then replace workers one by one (a new worker is
            ready before an old one is drained). A failed step or a new worker that does not start
            abandons the deploy and the old workers keep serving. SIGHUP to Pier does the same.
            Exits 0 when deployed, 1 when refused or abandoned.

            Examples:
              pier reload
              pier reload web -c /srv/shop/pier.yaml
            """)
        { service, config, state, json };
        command.SetAction((parse, cancellation) =>
        {
            var name = parse.GetValue(service);
            var query = name is null ? "v1/reload" : $"v1/reload?service={Uri.EscapeDataString(name)}";
            return ControlCommandRunner.RunAsync(parse.GetValue(config), parse.GetValue(state), parse.GetValue(json), query, cancellation);
        });
        return command;
    }
}
