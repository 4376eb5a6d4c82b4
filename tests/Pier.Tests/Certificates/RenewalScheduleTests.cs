using Pier.Certificates;

namespace Pier.Tests.Certificates;

public sealed class RenewalScheduleTests
{
    private static readonly DateTimeOffset Issued = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Next_WithoutAri_WhenAThirdOfTheLifetimeIsLeft_MinusUpToADayOfJitter()
    {
        var notAfter = Issued.AddDays(90);

        var next = RenewalSchedule.Next(Issued, notAfter, "04A1B2", window: null);

        Assert.InRange(next, Issued.AddDays(59), Issued.AddDays(60));
    }

    [Fact]
    public void Next_ShortLifetime_JitterScalesDown()
    {
        var next = RenewalSchedule.Next(Issued, Issued.AddSeconds(30), "04A1B2", window: null);

        Assert.InRange(next, Issued.AddSeconds(19), Issued.AddSeconds(20));
    }

    [Fact]
    public void Next_WithAriWindow_IsInsideTheWindow_RegardlessOfTheLifetime()
    {
        // A recorded renewalInfo document that asks for an early renewal (say, a revocation is coming).
        var window = RenewalWindow.Parse("""{"suggestedWindow":{"start":"2025-01-10T00:00:00Z","end":"2025-01-10T12:00:00Z"}}""");

        foreach (var serial in (string[])["01", "02", "FFEE", "00876543210"])
            Assert.InRange(RenewalSchedule.Next(Issued, Issued.AddDays(90), serial, window), window.Start, window.End);
    }

    [Fact]
    public void Next_SameCertificate_SameTime_OtherCertificates_Spread()
    {
        var times = Enumerable.Range(0, 50).Select(i => RenewalSchedule.Next(Issued, Issued.AddDays(90), $"{i:X4}", null)).ToList();

        Assert.Equal(RenewalSchedule.Next(Issued, Issued.AddDays(90), "0007", null), times[7]);
        Assert.True(times.Distinct().Count() > 40);
    }
}
