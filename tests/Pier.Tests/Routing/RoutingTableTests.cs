using Pier.Routing;

namespace Pier.Tests.Routing;

public sealed class RoutingTableTests
{
    private static readonly ServiceRoute Api = new("api", ["api.example.com"], []);
    private static readonly ServiceRoute Web = new("web", [], []);

    [Theory]
    [InlineData("api.example.com", "api")]
    [InlineData("API.example.com:8080", "api")]
    [InlineData("www.example.com", "web")]
    [InlineData("127.0.0.1:8080", "web")]
    [InlineData("[::1]:8080", "web")]
    public void Match_PrefersAnExactHost_ThenTheCatchAll(string host, string expected) =>
        Assert.Equal(expected, new RoutingTable([Web, Api]).Match(host)!.Service);

    [Fact]
    public void Match_WithoutACatchAll_ReturnsNullForAnUnknownHost() =>
        Assert.Null(new RoutingTable([Api]).Match("other.example.com"));

    [Fact]
    public void Match_AllocatesNothing()
    {
        // The fast lane matches every request: an allocation here costs a collection every few seconds under load.
        var table = new RoutingTable([Api, Web]);
        table.Match("www.example.com:8080");
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            table.Match("api.example.com");
            table.Match("www.example.com:8080");
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
