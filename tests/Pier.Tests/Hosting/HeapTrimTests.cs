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

        Assert.False(trim.Tick(allocated));
        Assert.False(trim.Tick(allocated += 10_000));
        Assert.True(trim.Tick(allocated += 10_000));
        Assert.False(trim.Tick(allocated += 10_000));
        Assert.False(trim.Tick(allocated += 10_000));
    }

    [Fact]
    public void WhileBusy_NothingIsTrimmed_AndOnceQuietAgain_ItIs()
    {
        var trim = new HeapTrim();
        long allocated = 0;
        for (var tick = 0; tick < 30; tick++)
            Assert.False(trim.Tick(allocated += 2 * MiB));

        Assert.False(trim.Tick(allocated += 1_000));
        Assert.True(trim.Tick(allocated += 1_000));
    }

    [Fact]
    public void ASlowTrickle_IsTrimmedOnlyWhenItHasAddedUpToSomethingWorthGivingBack()
    {
        var trim = new HeapTrim();
        long allocated = 0;
        var trims = new List<int>();
        for (var tick = 0; tick < 100; tick++)
        {
            if (trim.Tick(allocated += 50_000))
                trims.Add(tick);
        }

        // 50 kB a tick is quiet; 1 MiB of it takes 21 ticks to gather.
        Assert.Equal([20, 41, 62, 83], trims);
    }
}
