using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Pier.Os;
using Pier.Routing;
using Pier.Supervision;

namespace Pier.Tests.Routing;

/// <summary>Whether a worker died as a request broke, as the supervisor marks it; and a destination draining itself.</summary>
public sealed class DestinationTests
{
    [Fact]
    public async Task AWorkerNotMarkedGone_DidNotDie_WithinTheGrace()
    {
        var destination = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), 1001);
        var clock = Stopwatch.StartNew();

        Assert.False(await destination.DiesWithinAsync(TimeSpan.FromMilliseconds(50)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(45), $"{clock.Elapsed}");
    }

    [Fact]
    public async Task AWorkerMarkedGoneDuringTheGrace_IsSeenToDie_AtOnce()
    {
        var destination = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), 1001);
        var clock = Stopwatch.StartNew();

        var dies = destination.DiesWithinAsync(TimeSpan.FromSeconds(30));
        destination.MarkGone();

        Assert.True(await dies);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.Elapsed}");
        Assert.True(await destination.DiesWithinAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task AServicePierOnlyForwardsTo_HasNoProcessToDie()
    {
        var upstream = Destination.ForUpstream("api", new Uri("http://127.0.0.1:9/"));
        upstream.MarkGone();

        Assert.False(await upstream.DiesWithinAsync(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public async Task ARetiredDestination_IsDrained_WhenItsLastRequestEnds()
    {
        var time = new FakeTimeProvider();
        var destination = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), 1001);
        destination.Begin();
        destination.Begin();
        destination.Retire();

        var drained = destination.DrainAsync(TimeSpan.FromSeconds(30), time);
        destination.End();
        await Task.Delay(20);
        Assert.False(drained.IsCompleted);

        destination.End();
        await drained.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void ADestinationWithNothingInFlight_IsDrainedAtOnce()
    {
        var destination = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), 1001);

        Assert.True(destination.DrainAsync(TimeSpan.FromSeconds(30), new FakeTimeProvider()).IsCompleted);
    }

    [Fact]
    public async Task ADrain_GivesUpAtItsDeadline_WithARequestStillInFlight()
    {
        var time = new FakeTimeProvider();
        var destination = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), 1001);
        destination.Begin();

        var drained = destination.DrainAsync(TimeSpan.FromSeconds(10), time);
        time.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(20);
        Assert.False(drained.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await drained.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, destination.InFlight);
    }

    [Fact]
    public void AWorkerThatRefused_IsLeftAloneForOneSecond_InTheLanesClock()
    {
        var destination = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), 1001);
        var refused = Stopwatch.GetTimestamp();

        destination.MarkRefused(refused);

        Assert.False(destination.IsAvailable(refused + Stopwatch.Frequency * 9 / 10));
        Assert.True(destination.IsAvailable(refused + Stopwatch.Frequency));
    }
}
