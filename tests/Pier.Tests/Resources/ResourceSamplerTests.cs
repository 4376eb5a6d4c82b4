using System.Diagnostics;
using Pier.Os;
using Pier.Resources;
using Pier.Supervision;

namespace Pier.Tests.Resources;

/// <summary>The sampler against real processes, each the leader of its own group as workers are.</summary>
public sealed class ResourceSamplerTests : IDisposable
{
    private readonly List<Process> _processes = [];

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            Signals.Send(process.Id, Signals.SIGKILL);
            process.WaitForExit(5000);
            process.Dispose();
        }
    }

    [Fact]
    public void ManyWorkers_GetTheirPssReadTenPerSample_AndTheRestShowRssMeanwhile()
    {
        var pids = Enumerable.Range(0, 25).Select(_ => Start("sleep", "60").Id).ToList();
        var sampler = new ResourceSampler();

        // PSS counts shared pages (libc) in part, RSS whole: a worker whose PSS was read shows less than its RSS.
        static int WithPss(UsageSnapshot usage) => usage.Workers.Values.Count(w => w.MemoryBytes < w.RssBytes);
        var first = sampler.Sample(pids);
        Assert.Equal(25, first.Workers.Count);
        Assert.Equal(10, WithPss(first));
        Assert.Equal(20, WithPss(sampler.Sample(pids)));
        Assert.Equal(25, WithPss(sampler.Sample(pids)));
    }

    [Fact]
    public async Task MemoryGrowth_IsSeenAtTheNextSample_NotOnlyAtTheNextPssReading()
    {
        var worker = Start("/usr/bin/python3", "-c", "import sys, time\nsys.stdin.readline()\nheld = b'x' * (64 * 1024 * 1024)\nprint('held', flush=True)\ntime.sleep(60)");
        var sampler = new ResourceSampler();
        var before = sampler.Sample([worker.Id]).Workers[worker.Id].MemoryBytes;

        await worker.StandardInput.WriteLineAsync("grow");
        await worker.StandardInput.FlushAsync();
        Assert.Equal("held", await worker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        var after = sampler.Sample([worker.Id]).Workers[worker.Id].MemoryBytes;

        Assert.True(after - before >= 60L * 1024 * 1024, $"memory went from {before} to {after} bytes");
    }

    [Fact]
    public void ABusyWorker_ShowsItsCpu_AndTheHostsCpuAndMemoryAreRead()
    {
        var worker = Start("/usr/bin/python3", "-c", "while True: pass");
        var sampler = new ResourceSampler();
        sampler.Sample([worker.Id]);
        Thread.Sleep(1000);

        var usage = sampler.Sample([worker.Id]);

        // Loosely: the suite's other tests share the machine's cores.
        Assert.InRange(usage.Workers[worker.Id].CpuPercent, 10, 110);
        Assert.InRange(usage.Host.CpuPercent, 1, 100);
        Assert.True(usage.Host.MemoryTotalBytes > usage.Host.MemoryAvailableBytes && usage.Host.MemoryAvailableBytes > 0,
            $"host memory {usage.Host.MemoryAvailableBytes} available of {usage.Host.MemoryTotalBytes}");
    }

    [Fact]
    public void AProcessWhoseNameHasSpacesAndParentheses_IsReadRight()
    {
        using var directory = new TestDirectory();
        var oddName = Path.Combine(directory.Path, "a) b (c");
        File.CreateSymbolicLink(oddName, "/usr/bin/sleep");
        var worker = Start(oddName, "60");
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
    public void WithNoWorkers_TheSamplerLeavesTheProcessTableAlone()
    {
        var sampler = new ResourceSampler();
        sampler.Sample([]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        sampler.Sample([]);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Reading every /proc/PID/stat of the machine would be kilobytes per process.
        Assert.True(allocated < 16 * 1024, $"one sample without workers allocated {allocated} bytes");
    }

    private Process Start(string command, params string[] args)
    {
        var info = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(command);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        _processes.Add(process);
        // Sampled as a worker only once setsid has made it a group leader.
        var clock = Stopwatch.StartNew();
        while (ProcessTable.TryRead(process.Id)?.ProcessGroup != process.Id && clock.Elapsed < TimeSpan.FromSeconds(5))
            Thread.Sleep(5);
        return process;
    }
}
