using Pier.Configuration;
using Pier.Logs;

namespace Pier.Tests.Logs;

public sealed class LogLineTests
{
    private static readonly LogLine Sample = new(new DateTimeOffset(2026, 11, 29, 3, 10, 0, 123, TimeSpan.Zero), "web.2", "err", "a \"quoted\" line");

    [Fact]
    public void Text_RoundTrips() =>
        Assert.Equal(Sample, LogLine.Parse(Sample.Format(LogFormat.Text), "web.2"));

    [Fact]
    public void Text_IsTheFileFormat() =>
        Assert.Equal("2026-11-29T03:10:00.123Z err a \"quoted\" line", Sample.ToText());

    [Fact]
    public void Json_RoundTrips_AndNamesItsSource() =>
        Assert.Equal(Sample, LogLine.Parse(Sample.Format(LogFormat.Json), "elsewhere"));

    [Fact]
    public void Parse_AnEmptyTextLine_KeepsIt() =>
        Assert.Equal("", LogLine.Parse("2026-11-29T03:10:00.123Z out", "web.1")!.Text);

    [Theory]
    [InlineData("")]
    [InlineData("not a log line")]
    [InlineData("2026-11-29T03:10:00.123Z bad text")]
    [InlineData("{\"source\":\"web.1\"}")]
    [InlineData("{torn")]
    public void Parse_Garbage_IsNull(string line) => Assert.Null(LogLine.Parse(line, "web.1"));
}
