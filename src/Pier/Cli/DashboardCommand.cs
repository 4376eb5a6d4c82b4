using System.CommandLine;
using System.Net;
using Pier.Configuration;
using Pier.Control;

namespace Pier.Cli;

/// <summary>`pier dashboard`: the dashboard's address with the admin token in the fragment, ready to open.</summary>
internal static class DashboardCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var state = CliOptions.State();
        var command = new Command("dashboard", """
            Print the address of the web dashboard on the admin listener, with the admin token in the
            URL fragment (browsers never send the fragment to a server; the page keeps the token).

            Examples:
              pier dashboard
              pier dashboard -c /srv/shop/pier.yaml
              ssh -L 9180:127.0.0.1:9180 server   # then open the printed address here
            """)
        { config, state };
        command.SetAction(async (parse, cancellation) =>
        {
            var configPath = parse.GetValue(config);
            var stateOverride = parse.GetValue(state);
            if (configPath is null && stateOverride is not null)
            {
                // Only the instance knows which config it runs when it is named by its state directory.
                using var client = new ControlClient(Path.GetFullPath(stateOverride));
                if (await client.StatusAsync(cancellation) is not { } status)
                {
                    await Console.Error.WriteLineAsync($"pier: no Pier is running for {Path.GetFullPath(stateOverride)}; name its config with -c FILE");
                    return ExitCodes.Failed;
                }
                configPath = status.ConfigFile;
            }
            if (ConfigLocator.LoadOrReport(configPath, stateOverride, Console.Error, "no dashboard address") is not { } loaded)
                return ExitCodes.UsageOrConfig;
            if (AdminToken.Read(loaded.StateDirectory, out var token) is { } problem)
            {
                await Console.Error.WriteLineAsync($"pier: cannot read the admin token ({problem}); `pier up` makes it at first start, readable by Pier's user only");
                return ExitCodes.Failed;
            }
            Console.WriteLine(Url(loaded.Admin ?? AdminConfig.Default, token!));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A listener on every address (0.0.0.0, ::) is reached from this machine on loopback.</summary>
    internal static string Url(AdminConfig admin, string token)
    {
        var address = IPAddress.Parse(admin.Address);
        if (address.Equals(IPAddress.Any))
            address = IPAddress.Loopback;
        else if (address.Equals(IPAddress.IPv6Any))
            address = IPAddress.IPv6Loopback;
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return $"http://{host}:{admin.Port}/#token={Uri.EscapeDataString(token)}";
    }
}
