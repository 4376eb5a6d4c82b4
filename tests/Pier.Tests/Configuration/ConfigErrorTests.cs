using Pier.Configuration;

namespace Pier.Tests.Configuration;

public sealed class ConfigErrorTests
{
    [Fact]
    public void ToString_WithPositionAndField_ReadsLikeACompilerMessage()
    {
        var error = new ConfigError("pier.yaml", 12, 5, "services.web.worker", "unknown key; did you mean 'workers'?");

        Assert.Equal("pier.yaml:12:5: services.web.worker: unknown key; did you mean 'workers'?", error.ToString());
    }

    [Fact]
    public void ToString_WithoutField_LeavesItOut()
    {
        Assert.Equal("pier.yaml:1:1: the file is empty", new ConfigError("pier.yaml", 1, 1, "", "the file is empty").ToString());
    }

    [Fact]
    public void ToString_WithoutPosition_NamesOnlyTheFile()
    {
        Assert.Equal("pier.yaml: no such file", new ConfigError("pier.yaml", 0, 0, "", "no such file").ToString());
    }
}
