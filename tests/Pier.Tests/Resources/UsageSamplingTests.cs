using Microsoft.Extensions.Time.Testing;
using Pier.Resources;

namespace Pier.Tests.Resources;

/// <summary>The sampling loop: one sample a second on the clock, handed to every consumer, until Pier stops.</summary>
public sealed class UsageSamplingTests
{
    [Fact]
    public async Task EachSecond_EveryConsumerGetsTheSample_UntilTheLoopIsStopped()
    {
        var time = new FakeTimeProvider();
        var counts = new Counter[] { new(), new() };
        var sampler = new ResourceSampler();
        var sampling = new UsageSampling(sampler, new PierMetrics(), () => [], counts, time);
        using var stop = new CancellationTokenSource();
        var run = sampling.RunAsync(stop.Token);

        time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50);
        Assert.All(counts, c => Assert.Equal(0, c.Samples));
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Until(() => counts.All(c => c.Samples == 1));
        time.Advance(TimeSpan.FromSeconds(1));
        await Until(() => counts.All(c => c.Samples == 2));

        stop.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotSame(UsageSnapshot.Empty, sampler.Latest);
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition());
    }

    private sealed class Counter : IUsageConsumer
    {
        private int _samples;

        public int Samples => Volatile.Read(ref _samples);

        public void Observe(UsageSnapshot usage, IReadOnlyList<SampledService> services) => Interlocked.Increment(ref _samples);
    }
}
