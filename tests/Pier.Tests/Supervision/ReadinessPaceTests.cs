using Pier.Supervision;

namespace Pier.Tests.Supervision;

public sealed class ReadinessPaceTests
{
    [Fact]
    public void ALoneStartingWorker_IsLookedAtOftenest_ManyShareTheBudget_UpToTheSlowestPace()
    {
        var pace = new ReadinessPace();
        Assert.Equal(ReadinessPace.Fastest, pace.Interval);

        var first = pace.Wait();
        Assert.Equal(1, pace.Waiting);
        Assert.Equal(TimeSpan.FromMilliseconds(5), pace.Interval);
        var more = Enumerable.Range(0, 3).Select(_ => pace.Wait()).ToList();
        Assert.Equal(TimeSpan.FromMilliseconds(20), pace.Interval);
        more[0].Dispose();
        more[0].Dispose();  // a scope counts once, however often it is disposed
        Assert.Equal(TimeSpan.FromMilliseconds(15), pace.Interval);
        more.AddRange(Enumerable.Range(0, 196).Select(_ => pace.Wait()));
        Assert.Equal(199, pace.Waiting);
        Assert.Equal(ReadinessPace.Slowest, pace.Interval);

        foreach (var scope in more)
            scope.Dispose();
        Assert.Equal(1, pace.Waiting);
        Assert.Equal(ReadinessPace.Fastest, pace.Interval);
        first.Dispose();
        Assert.Equal(0, pace.Waiting);
    }
}
