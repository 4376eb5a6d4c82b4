using System.Diagnostics;
using Pier.Os;
using Pier.Routing;
using Pier.Supervision;

namespace Pier.Tests.Routing;

/// <summary>Whether a worker died as a request broke, told from its real process.</summary>
public sealed class DestinationTests
{
    [Fact]
    public async Task AWorkerThatLivesOn_DidNotDie()
    {
        using var worker = Process.Start("sleep", "30");
        try
        {
            var destination = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), worker.Id);

            Assert.False(await destination.DiesWithinAsync(TimeSpan.FromMilliseconds(50)));
        }
        finally
        {
            Signals.Send(worker.Id, Signals.SIGKILL);
            await worker.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task AWorkerThatDies_IsSeenToDie_AsAZombieOrOnceReaped()
    {
        using var worker = Process.Start("sleep", "30");
        var destination = Destination.ForWorker("web.1", WorkerEndpoint.ForPort(1), worker.Id);

        Signals.Send(worker.Id, Signals.SIGKILL);

        Assert.True(await destination.DiesWithinAsync(TimeSpan.FromSeconds(5)));
        await worker.WaitForExitAsync();
        Assert.True(await destination.DiesWithinAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task AServicePierOnlyForwardsTo_HasNoProcessToDie()
    {
        var upstream = Destination.ForUpstream("api", new Uri("http://127.0.0.1:9/"));

        Assert.False(await upstream.DiesWithinAsync(TimeSpan.FromMilliseconds(10)));
    }
}
