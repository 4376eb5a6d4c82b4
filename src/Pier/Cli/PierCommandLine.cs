using System.CommandLine;

namespace Pier.Cli;

/// <summary>The `pier` command line: every command, each in its own file.</summary>
internal static class PierCommandLine
{
    public static RootCommand Create() => WithShortListing(new RootCommand("""
        Pier deploys a web API on a Linux server and keeps it serving: supervised workers,
        restarts with backoff, before steps, and one front door balancing a public port across them.
        """)
    {
        UpCommand.Create(),
        CheckCommand.Create(),
        StatusCommand.Create(),
        ReloadCommand.Create(),
        RestartCommand.Create(),
        ScaleCommand.Create(),
        RunBeforeCommand.Create(),
        TopCommand.Create(),
        EventsCommand.Create(),
        CertsCommand.Create(),
        DashboardCommand.Create(),
        ExportCommand.Create(),
        InstallCommand.Create(),
        UninstallCommand.Create(),
        LogsCommand.Create(),
        InitCommand.Create(),
        DoctorCommand.Create(),
        CompletionsCommand.Create(),
        StopCommand.Create(),
    });

    /// <summary>
    /// The command list of `pier --help` shows each command's first sentence; `pier up --help`
    /// shows the whole description with its examples.
    /// </summary>
    private static RootCommand WithShortListing(RootCommand root)
    {
        foreach (var help in root.Options.OfType<System.CommandLine.Help.HelpOption>())
            help.Action = new RootHelpAction(help.Action!);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Create().Parse(args);
        try
        {
            // Pier handles SIGTERM and Ctrl-C itself (drain, then stop workers); the parser must not.
            var code = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
            // The parser prints usage errors with exit code 1; Pier keeps 1 for "failed" and 2 for usage.
            return parsed.Errors.Count > 0 ? ExitCodes.UsageOrConfig : code;
        }
        catch (UnauthorizedAccessException e)
        {
            await Console.Error.WriteLineAsync($"pier: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
