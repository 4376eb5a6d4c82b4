using Pier.Export;

namespace Pier.Cli;

/// <summary>Runs systemctl where systemd is the init system, and prints the commands anywhere else.</summary>
internal static class Systemctl
{
    public static async Task<int> RunOrPrintAsync(IReadOnlyList<string[]> commands, string done)
    {
        if (!SystemdInstallation.SystemdIsRunning)
        {
            Console.WriteLine("systemd is not running here; run these where it is:");
            foreach (var command in commands)
                Console.WriteLine("  " + SystemdInstallation.Format(command));
            return ExitCodes.Ok;
        }
        foreach (var command in commands)
        {
            var (code, output) = await SystemdInstallation.RunAsync(command);
            if (code != 0)
            {
                await Console.Error.WriteLineAsync($"pier: `{SystemdInstallation.Format(command)}` failed ({code}): {output.Trim()}");
                return ExitCodes.Failed;
            }
        }
        Console.WriteLine(done);
        return ExitCodes.Ok;
    }
}
