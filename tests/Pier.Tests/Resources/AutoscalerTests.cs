using Pier.Configuration;
using Pier.Resources;

namespace Pier.Tests.Resources;

public sealed class AutoscalerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly AutoscaleConfig Band = new(2, 4, 0.5, 0.9, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));

    private static int Feed(Autoscaler scaler, int workers, double cpu, int fromSecond, int seconds)
    {
        // The first decision is what the host acts on; it then feeds the new count.
        for (var s = fromSecond; s < fromSecond + seconds; s++)
        {
            var wanted = scaler.Observe("web", Band, workers, cpu, T0.AddSeconds(s));
            if (wanted != workers)
                return wanted;
        }
        return workers;
    }

    [Fact]
    public void CpuAboveTheBandForAWholeWindow_AddsOneWorker()
    {
        var scaler = new Autoscaler();

        Assert.Equal(2, Feed(scaler, 2, 0.95, 0, 5));
        Assert.Equal(3, Feed(scaler, 2, 0.95, 5, 6));
    }

    [Fact]
    public void OneSampleInsideTheBand_HoldsTheDecisionBack()
    {
        var scaler = new Autoscaler();
        Feed(scaler, 2, 0.95, 0, 5);
        scaler.Observe("web", Band, 2, 0.7, T0.AddSeconds(5));

        Assert.Equal(2, Feed(scaler, 2, 0.95, 6, 5));
    }

    [Fact]
    public void AfterADecision_TheCooldownPasses_BeforeTheNext()
    {
        var scaler = new Autoscaler();
        Assert.Equal(3, Feed(scaler, 2, 0.95, 0, 11));

        Assert.Equal(3, Feed(scaler, 3, 0.95, 11, 15));
        Assert.Equal(4, Feed(scaler, 3, 0.95, 26, 15));
    }

    [Fact]
    public void CpuBelowTheBand_RemovesWorkers_DownToMin()
    {
        var scaler = new Autoscaler();

        Assert.Equal(3, Feed(scaler, 4, 0.1, 0, 11));
        Assert.Equal(2, Feed(scaler, 3, 0.1, 11, 40));
        Assert.Equal(2, Feed(scaler, 2, 0.1, 51, 60));
    }
}
