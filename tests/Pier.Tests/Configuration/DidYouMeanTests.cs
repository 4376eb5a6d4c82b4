using Pier.Configuration;

namespace Pier.Tests.Configuration;

public sealed class DidYouMeanTests
{
    private static readonly string[] ServiceKeys =
        ["run", "dir", "env", "env_file", "workers", "http", "memory", "stop", "restart", "user"];

    [Theory]
    [InlineData("worker", "workers")]
    [InlineData("wokrers", "workers")]
    [InlineData("Workers", "workers")]
    [InlineData("envfile", "env_file")]
    [InlineData("restrat", "restart")]
    [InlineData("rn", "run")]
    public void Suggest_CloseMisspelling_FindsTheKey(string input, string expected)
    {
        Assert.Equal(expected, DidYouMean.Suggest(input, ServiceKeys));
    }

    [Theory]
    [InlineData("colour")]
    [InlineData("x")]
    [InlineData("replicas")]
    public void Suggest_NothingClose_ReturnsNull(string input)
    {
        Assert.Null(DidYouMean.Suggest(input, ServiceKeys));
    }

    [Theory]
    [InlineData("", "abc", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("helth", "health", 1)]
    [InlineData("ab", "ba", 1)]
    public void Distance_CountsEdits(string a, string b, int distance)
    {
        Assert.Equal(distance, DidYouMean.Distance(a, b));
    }
}
