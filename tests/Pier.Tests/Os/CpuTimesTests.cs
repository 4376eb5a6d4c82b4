using Pier.Os;

namespace Pier.Tests.Os;

public sealed class CpuTimesTests
{
    [Fact]
    public void Read_GivesBusyTimeWithinTheTotal_AndNeitherGoesBack()
    {
        var first = CpuTimes.Read();
        var second = CpuTimes.Read();

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.InRange(first.Value.Busy, 1, first.Value.Total);
        Assert.True(second.Value.Total >= first.Value.Total && second.Value.Busy >= first.Value.Busy, $"{first} then {second}");
    }
}
