using Pier.Hosting;

namespace Pier.Tests.Hosting;

public sealed class HeapTrimTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public void AfterTheStart_TheHeapIsTrimmedOnce_WhenThingsHaveBeenQuietForTwoTicks()
    {
        var trim = new HeapTrim();
        long allocated = 5 * MiB;

        Assert.False(trim.Tick(allocated, 0));
        Assert.False(trim.Tick(allocated += 10_000, 0));
        Assert.True(trim.Tick(allocated += 10_000, 0));
        Assert.False(trim.Tick(allocated += 10_000, 0));
        Assert.False(trim.Tick(allocated += 10_000, 0));
    }

    [Fact]
    public void WhileBusy_NothingIsTrimmed_AndOnceQuietAgain_ItIs()
    {
        var trim = new HeapTrim();
        long allocated = 0;
        for (var tick = 0; tick < 30; tick++)
            Assert.False(trim.Tick(allocated += 2 * MiB, 0));

        Assert.False(trim.Tick(allocated += 1_000, 0));
        Assert.True(trim.Tick(allocated += 1_000, 0));
    }

    [Fact]
    public void ASlowTrickle_IsTrimmedOnlyWhenItHasAddedUpToSomethingWorthGivingBack()
    {
        var trim = new HeapTrim();
        long allocated = 0;
        var trims = new List<int>();
        for (var tick = 0; tick < 100; tick++)
        {
            if (trim.Tick(allocated += 50_000, 0))
                trims.Add(tick);
        }

        // 50 kB a tick is quiet; 1 MiB of it takes 21 ticks to gather.
        Assert.Equal([20, 41, 62, 83], trims);
    }

    [Fact]
    public void WhileRequestsComeIn_NothingIsTrimmed_HoweverLittleTheyAllocate()
    {
        var trim = new HeapTrim();
        long allocated = 5 * MiB, requests = 0;
        for (var tick = 0; tick < 10; tick++)
            Assert.False(trim.Tick(allocated += 1_000, requests += 30_000));

        Assert.False(trim.Tick(allocated += 1_000, requests));
        Assert.True(trim.Tick(allocated += 1_000, requests));
    }
}
