using Pier.Configuration;
using Pier.Os;
using Pier.Resources;

namespace Pier.Tests.Resources;

public sealed class MemoryBudgetTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void Check_StartsOnlyWhatFitsUnderNinetyPercent_AndSaysWhy()
    {
        // 10 GiB of RAM, 4 GiB available: 1 GiB must stay free, so 3 GiB are for new workers.
        var (fit, why) = MemoryBudget.Check(4, GiB, new MemoryInfo(10 * GiB, 4 * GiB));

        Assert.Equal(3, fit);
        Assert.Equal("4 more worker(s) × 1.0 GiB would need 4.0 GiB; 3.0 GiB available under the memory budget (90% of 10.0 GiB): starting 3", why);
    }

    [Fact]
    public void Check_WithRoom_SaysNothing() =>
        Assert.Equal((2, (string?)null), MemoryBudget.Check(2, GiB, new MemoryInfo(10 * GiB, 8 * GiB)));

    [Fact]
    public void Check_WithAnUnknownSize_StartsEverything() =>
        Assert.Equal((5, (string?)null), MemoryBudget.Check(5, null, new MemoryInfo(10 * GiB, 1)));

    [Fact]
    public void PerWorker_PrefersWhatSiblingsMeasure_OverTheExpectedSize()
    {
        var service = new ServiceConfig("web", "app", "/", new Dictionary<string, string>(), 2, null, TimeSpan.FromSeconds(1),
            RestartPolicy.Default, new MemoryConfig(null, null, 3 * GiB));

        Assert.Equal(GiB, MemoryBudget.PerWorker(service, [GiB / 2, GiB * 3 / 2]));
        Assert.Equal(3 * GiB, MemoryBudget.PerWorker(service, []));
    }
}
