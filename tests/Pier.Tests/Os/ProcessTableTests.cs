using System.Diagnostics;
using Pier.Os;

namespace Pier.Tests.Os;

/// <summary>The process table read from /proc, against real processes.</summary>
public sealed class ProcessTableTests : IDisposable
{
    private readonly GroupLeaders _processes = new();

    public void Dispose() => _processes.Dispose();

    [Fact]
    public void AProcessWhoseNameHasSpacesAndParentheses_IsReadRight()
    {
        using var directory = new TestDirectory();
        var oddName = Path.Combine(directory.Path, "a) b (c");
        File.CreateSymbolicLink(oddName, "/usr/bin/sleep");
        var worker = _processes.Start(oddName, "60");
        // setsid has made the group; the name is there once it has exec'd the command, and the new
        // program's pages a moment later.
        var clock = Stopwatch.StartNew();
        while (!(File.ReadAllText($"/proc/{worker.Id}/stat").Contains("(a) b (c)") && ProcessTable.TryRead(worker.Id)?.RssPages > 0)
            && clock.Elapsed < TimeSpan.FromSeconds(5))
            Thread.Sleep(5);

        var entry = ProcessTable.TryRead(worker.Id);

        Assert.Contains("(a) b (c)", File.ReadAllText($"/proc/{worker.Id}/stat"));
        Assert.NotNull(entry);
        Assert.Equal(worker.Id, entry.Value.ProcessGroup);
        Assert.Equal(Environment.ProcessId, entry.Value.ParentPid);
        Assert.Contains(entry.Value.State, "RS");
        Assert.True(entry.Value.RssPages > 0, $"RSS of {entry.Value.RssPages} pages");
    }

    [Fact]
    public void AProcessThatHasEnded_IsNotInTheTable()
    {
        var worker = _processes.Start("sleep", "60");
        Signals.Send(worker.Id, Signals.SIGKILL);
        worker.WaitForExit(5000);

        Assert.Null(ProcessTable.TryRead(worker.Id));
        Assert.DoesNotContain(ProcessTable.All(), e => e.Pid == worker.Id);
    }
}
