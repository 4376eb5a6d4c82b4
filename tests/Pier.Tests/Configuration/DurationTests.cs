using Pier.Configuration;

namespace Pier.Tests.Configuration;

public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1m", 60_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h1m1s1ms", 3_661_001)]
    [InlineData(" 2s ", 2_000)]
    [InlineData("0s", 0)]
    public void TryParse_WithUnit_ReadsTheDuration(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("s")]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("1 s")]
    [InlineData("10S")]
    [InlineData("1w")]
    [InlineData("1m30")]
    [InlineData("99999999999999999999s")]
    [InlineData("9999999999999999d")]
    public void TryParse_WithoutAValidUnit_Fails(string? text)
    {
        Assert.False(Duration.TryParse(text, out _));
    }

    [Fact]
    public void Parse_BadText_SaysWhatIsExpected()
    {
        var error = Assert.Throws<FormatException>(() => Duration.Parse("10"));

        Assert.Equal("'10': expected a duration like 500ms, 30s or 1m", error.Message);
    }

    [Fact]
    public void Parse_GoodText_ReturnsTheDuration() => Assert.Equal(TimeSpan.FromMinutes(2), Duration.Parse("2m"));
}
