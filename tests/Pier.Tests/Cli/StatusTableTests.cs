using Pier.Cli;
using Pier.Control;
using Spectre.Console;

namespace Pier.Tests.Cli;

public sealed class StatusTableTests
{
    private static readonly StatusReport Report = new("demo", 100, DateTimeOffset.UtcNow, "/srv/pier.yaml", "/srv/.pier", ":8080",
        [new ServiceReport("web", "http", 3, 3,
            [Worker("web.1", 4101, 34789), Worker("web.2", 4102, 34109), Worker("web.3", 4103, 37751, lastExit: "the health check failed 3 times in a row; exit code 137 (SIGKILL)")],
            3, 81L << 20, null, Requests: 12_345, ServerErrors: 3)],
        new HostReport(50, 2, 24L << 30, 23L << 30, "90%"));

    [Fact]
    public void InAnEightyColumnTerminal_NoCellIsWrapped_AndWhatMattersMostStays()
    {
        var lines = Render(80);

        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: '{line}'"));
        Assert.Contains(lines, line => line.Contains("WORKER") && line.Contains("RESTARTS") && line.Contains("LAST EXIT"));
        Assert.DoesNotContain(lines, line => line.Contains("PORT") || line.Contains("UPTIME"));
        // The long last exit is cut short rather than wrapped or pushing other columns out.
        Assert.Contains(lines, line => line.Contains("web.3") && line.Contains("4103") && line.Contains("the health") && line.Contains('…'));
        Assert.Contains(lines, line => line.Contains("12,345 (3 5xx)"));
    }

    [Fact]
    public void InAnEightyColumnTerminal_AShortLastExitIsShownWhole()
    {
        var report = Report with
        {
            Services = [Report.Services[0] with { Workers = [Worker("web.1", 4101, 34789), Worker("web.2", 4102, 34109, lastExit: "exit code 3")] }],
        };

        var lines = Render(80, report);

        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} columns: '{line}'"));
        Assert.Contains(lines, line => line.Contains("web.2") && line.Contains("exit code 3"));
        Assert.Contains(lines, line => line.Contains("RESTARTS"));
    }

    [Fact]
    public void InAWideTerminal_EveryColumnIsShown()
    {
        var lines = Render(200);

        Assert.Contains(lines, line => line.Contains("PORT") && line.Contains("UPTIME") && line.Contains("RESTARTS"));
        Assert.Contains(lines, line => line.Contains("web.1") && line.Contains("34789") && line.Contains("1m05s"));
        Assert.Contains(lines, line => line.Contains("web.3") && line.Contains("exit code 137 (SIGKILL)"));
    }

    private static List<string> Render(int width, StatusReport? report = null)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = width;
        console.Write(StatusCommand.Table(report ?? Report, width: width));
        return output.ToString().Split('\n').Select(line => line.TrimEnd('\r')).ToList();
    }

    private static WorkerReport Worker(string id, int pid, int port, string? lastExit = null) =>
        new(id, pid, "ready", port, null, lastExit is null ? 0 : 1, 65, lastExit, [], 1, 0.5, 27L << 20);
}
