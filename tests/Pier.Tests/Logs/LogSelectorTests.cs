using Pier.Logs;

namespace Pier.Tests.Logs;

public sealed class LogSelectorTests
{
    [Theory]
    [InlineData(null, "web.12", true)]
    [InlineData("web", "web.12", true)]
    [InlineData("web", "web", true)]
    [InlineData("web", "webhook.1", false)]
    [InlineData("web", "web.x", false)]
    [InlineData("web.1", "web.12", false)]
    public void Selector_MatchesServiceOrWorker(string? name, string source, bool matches) =>
        Assert.Equal(matches, new LogSelector(name).Matches(source));
}
