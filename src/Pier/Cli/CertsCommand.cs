using System.CommandLine;
using System.Text.Json;
using Pier.Certificates;
using Pier.Control;
using Spectre.Console;

namespace Pier.Cli;

/// <summary>`pier certs`: the certificates a running instance serves; `pier certs trust`: where the internal CA's root is.</summary>
internal static class CertsCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var json = CliOptions.Json();
        var command = new Command("certs", """
            Show the certificate of every HTTPS domain: issuer, expiry, days left, where it comes from
            (acme, internal, file), the next renewal and the last error.

            Examples:
              pier certs
              pier certs --json
              pier certs trust
            """)
        { config, state, json, Trust() };
        command.SetAction(async (parse, cancellation) =>
        {
            using var client = InstanceLocator.Client(parse.GetValue(config), parse.GetValue(state));
            if (client is null)
                return ExitCodes.UsageOrConfig;
            var reports = await client.CertificatesAsync(cancellation);
            if (reports is null)
                return InstanceLocator.NotRunning(client);
            if (parse.GetValue(json))
                Console.WriteLine(ControlJson.Serialize(reports));
            else if (reports.Count == 0)
                Console.WriteLine("no HTTPS: the config has no `https` section");
            else
                Render(reports);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Trust()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var command = new Command("trust", """
            Print where the root of the internal CA (`ca: internal`) is and how to make this machine trust it.
            """)
        { config, state };
        command.SetAction(parse =>
        {
            var stateDirectory = InstanceLocator.StateDirectory(parse.GetValue(config), parse.GetValue(state), Console.Error);
            if (stateDirectory is null)
                return ExitCodes.UsageOrConfig;
            var root = LocalCertificateAuthority.RootPath(stateDirectory);
            if (!File.Exists(root))
            {
                Console.Error.WriteLine($"pier: no internal CA yet at {root}; set `https: {{ ca: internal }}` and run `pier up` once to make it");
                return ExitCodes.Failed;
            }
            Console.WriteLine($"""
                The internal CA's root certificate: {root}

                Trust it on this machine (Debian, Ubuntu):
                  sudo cp {root} /usr/local/share/ca-certificates/pier-local-ca.crt
                  sudo update-ca-certificates
                Or per client:
                  curl --cacert {root} https://<domain>/
                The root's key stays in the state directory (0600); anyone holding it can issue certificates that machine trusts.
                """);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(IReadOnlyList<CertificateReport> reports)
    {
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 240;
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("DOMAIN", "SOURCE", "ISSUER", "NOT AFTER", "DAYS LEFT", "NEXT RENEWAL");
        foreach (var r in reports)
        {
            var colour = r.DaysLeft switch { null => "red", < 7 => "red", < 20 => "yellow", _ => "green" };
            table.AddRow(
                new Text(r.Domain),
                new Text(r.Source.ToString().ToLowerInvariant()),
                new Text(r.Issuer ?? "-"),
                new Text(r.NotAfter?.ToString("yyyy-MM-dd HH:mm 'UTC'") ?? "none yet"),
                new Markup($"[{colour}]{(r.DaysLeft is { } d ? d.ToString("0.0") : "-")}[/]"),
                new Text(r.NextRenewal?.ToString("yyyy-MM-dd HH:mm 'UTC'") ?? "-"));
        }
        AnsiConsole.Write(table);
        foreach (var error in reports.Select(r => r.LastError).OfType<string>().Distinct())
            AnsiConsole.MarkupLine($"[red]last error:[/] {Markup.Escape(error)}");
    }
}
