using Pier.Os;
using Pier.Resources;

namespace Pier.Tests.Resources;

/// <summary>The sampler against real processes, each the leader of its own group as workers are.</summary>
public sealed class ResourceSamplerTests : IDisposable
{
    private readonly GroupLeaders _processes = new();

    public void Dispose() => _processes.Dispose();

    [Fact]
    public void ManyWorkers_GetTheirPssReadTenPerSample_AndTheRestShowRssMeanwhile()
    {
        var pids = Enumerable.Range(0, 25).Select(_ => _processes.Start("sleep", "60").Id).ToList();
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
        var worker = _processes.Start("/usr/bin/python3", "-c", "import sys, time\nsys.stdin.readline()\nheld = b'x' * (64 * 1024 * 1024)\nprint('held', flush=True)\ntime.sleep(60)");
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
        var worker = _processes.Start("/usr/bin/python3", "-c", "while True: pass");
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
}
