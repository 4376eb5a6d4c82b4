using Pier.Configuration;

namespace Pier.Tests.Configuration;

public sealed class DotEnvFileTests
{
    [Fact]
    public void Parse_CommonForms_ReadsEveryValue()
    {
        var errors = new List<ConfigError>();

        var values = DotEnvFile.Parse(
            "# comment\r\n\r\nA=1\r\nexport B = two \nC=\"line\\nbreak \\\"q\\\"\" # note\nD='$raw # kept'\nE=\nF=a#b\nG=x # gone\n",
            ".env",
            "services.web.env_file",
            errors);

        Assert.Empty(errors);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["A"] = "1", ["B"] = "two", ["C"] = "line\nbreak \"q\"", ["D"] = "$raw # kept", ["E"] = "", ["F"] = "a#b", ["G"] = "x",
            },
            values);
    }

    [Fact]
    public void Parse_BadLines_ReportsEachAndKeepsTheGoodOnes()
    {
        var errors = new List<ConfigError>();

        var values = DotEnvFile.Parse("A=1\nnope\n  9X=2\nB='open\nC=\"x\" y\nD=4\n", "app.env", "services.web.env_file", errors);

        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["D"] = "4" }, values);
        Assert.Equal(
            [(2, 1), (3, 3), (4, 3), (5, 7)],
            errors.Select(e => (e.Line, e.Column)));
        Assert.All(errors, e => Assert.Equal("app.env", e.File));
        Assert.Contains("unclosed single quote", errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("after the closing quote", errors[3].Message, StringComparison.Ordinal);
    }
}
