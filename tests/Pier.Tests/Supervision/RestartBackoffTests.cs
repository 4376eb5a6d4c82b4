using Pier.Configuration;
using Pier.Supervision;

namespace Pier.Tests.Supervision;

public sealed class RestartBackoffTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static RestartBackoff Backoff(int giveUp = 100) =>
        new(new RestartPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), giveUp, TimeSpan.FromMinutes(1)), new Random(42));

    [Fact]
    public void Delays_GrowExponentially_AndStayInsideTheBand()
    {
        var backoff = Backoff();
        var delays = Enumerable.Range(0, 8).Select(i => backoff.RecordCrash(T0.AddSeconds(i * 100), TimeSpan.Zero)!.Value).ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)));
        Assert.InRange(delays[2], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        Assert.All(delays.Skip(4), d => Assert.InRange(d, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)));
    }

    [Fact]
    public void AWorkerThatStayedUp_StartsTheBackoffOver()
    {
        var backoff = Backoff();
        for (var i = 0; i < 5; i++)
            backoff.RecordCrash(T0.AddSeconds(i * 100), TimeSpan.Zero);

        var delay = backoff.RecordCrash(T0.AddSeconds(1000), RestartBackoff.StableUptime);

        Assert.InRange(delay!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void GivesUp_AfterNCrashesInsideTheWindow()
    {
        var backoff = Backoff(giveUp: 3);

        Assert.NotNull(backoff.RecordCrash(T0, TimeSpan.Zero));
        Assert.NotNull(backoff.RecordCrash(T0.AddSeconds(10), TimeSpan.Zero));
        Assert.Null(backoff.RecordCrash(T0.AddSeconds(20), TimeSpan.Zero));
        Assert.Equal(3, backoff.RecentCrashes);
    }

    [Fact]
    public void CrashesOutsideTheWindow_DoNotCountTowardsGivingUp()
    {
        var backoff = Backoff(giveUp: 3);

        backoff.RecordCrash(T0, TimeSpan.Zero);
        backoff.RecordCrash(T0.AddSeconds(30), TimeSpan.Zero);

        Assert.NotNull(backoff.RecordCrash(T0.AddSeconds(90), TimeSpan.Zero));
        Assert.Equal(2, backoff.RecentCrashes);
    }

    [Fact]
    public void AWorkerThatWasServing_IsRestartedAtOnce_AndNeverGivenUpOn()
    {
        var backoff = Backoff(giveUp: 3);
        backoff.RecordCrash(T0, TimeSpan.Zero);
        backoff.RecordCrash(T0.AddSeconds(1), TimeSpan.Zero);

        var delays = Enumerable.Range(2, 10).Select(i => backoff.RecordCrash(T0.AddSeconds(i), TimeSpan.FromSeconds(1), startedWell: true)).ToList();

        Assert.All(delays, d => Assert.Equal(TimeSpan.Zero, d));
        // The backoff starts over: the next crash before serving waits the minimum again.
        Assert.InRange(backoff.RecordCrash(T0.AddSeconds(100), TimeSpan.Zero)!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }
}
