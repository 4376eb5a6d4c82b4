using Pier.Configuration;

namespace Pier.Tests.Configuration;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("100KiB", 100L * 1024)]
    [InlineData("512MiB", 512L * 1024 * 1024)]
    [InlineData("1GiB", 1024L * 1024 * 1024)]
    [InlineData("2TiB", 2L * 1024 * 1024 * 1024 * 1024)]
    [InlineData("512MB", 512_000_000L)]
    [InlineData("1GB", 1_000_000_000L)]
    [InlineData("10kb", 10_000L)]
    [InlineData("512mib", 512L * 1024 * 1024)]
    [InlineData("1.5GiB", 1536L * 1024 * 1024)]
    [InlineData("512 MiB", 512L * 1024 * 1024)]
    [InlineData("64B", 64L)]
    public void TryParse_SizeWithOrWithoutUnit_ReadsBytes(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var value));
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("MiB")]
    [InlineData("-1MiB")]
    [InlineData("1.MiB")]
    [InlineData("1..5GiB")]
    [InlineData("1e3")]
    [InlineData("5XB")]
    [InlineData("99999999999TiB")]
    public void TryParse_NotASize_Fails(string? text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }

    [Fact]
    public void Parse_BadText_SaysWhatIsExpected()
    {
        var error = Assert.Throws<FormatException>(() => ByteSize.Parse("lots"));

        Assert.Equal("'lots': expected a size like 512MiB or 1GiB", error.Message);
    }
}
