using Pier.Resources;

namespace Pier.Tests.Resources;

public sealed class MemoryWatchTests
{
    [Fact]
    public void AWorkerOverItsLimit_IsDueAfterThreeSamplesInARow_Once()
    {
        var watch = new MemoryWatch();

        Assert.Empty(watch.Observe([(1, 600, 500)]));
        Assert.Empty(watch.Observe([(1, 600, 500)]));
        Assert.Equal([1], watch.Observe([(1, 600, 500)]));
        Assert.Empty(watch.Observe([(1, 600, 500)]));
    }

    [Fact]
    public void ASpike_ThatComesDownAgain_IsForgiven()
    {
        var watch = new MemoryWatch();

        watch.Observe([(1, 600, 500)]);
        watch.Observe([(1, 600, 500)]);
        watch.Observe([(1, 400, 500)]);

        Assert.Empty(watch.Observe([(1, 600, 500)]));
        Assert.Empty(watch.Observe([(1, 600, 500)]));
    }

    [Fact]
    public void AWorkerWithoutALimit_IsNeverDue()
    {
        var watch = new MemoryWatch();
        for (var i = 0; i < 5; i++)
            Assert.Empty(watch.Observe([(1, long.MaxValue, null)]));
    }
}
