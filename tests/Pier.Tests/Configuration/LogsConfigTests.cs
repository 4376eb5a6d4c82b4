using Pier.Configuration;

namespace Pier.Tests.Configuration;

/// <summary>The top-level <c>logs</c> section of pier.yaml, as <see cref="ConfigLoader"/> reads it.</summary>
public sealed class LogsConfigTests : IDisposable
{
    private const string Minimal = """
        name: shop
        services:
          web:
            run: ./web

        """;

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_WithoutLogs_UsesTheDefaults()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal));

        Assert.Equal(new LogsConfig(50L << 20, 5, LogFormat.Text), config.Logs);
    }

    [Fact]
    public void Load_Logs_ReadsEveryField()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "logs: { max_size: 64KiB, keep: 12, format: json }\n"));

        Assert.Equal(new LogsConfig(64 * 1024, 12, LogFormat.Json), config.Logs);
    }

    [Fact]
    public void Load_BadLogs_ReportsEveryFieldWithItsPosition()
    {
        var path = _dir.Write("pier.yaml", Minimal + """
            logs:
              max_size: lots
              keep: -1
              format: xml
              rotate: daily
            """);

        var errors = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors;

        Assert.Equal(["logs.rotate", "logs.max_size", "logs.keep", "logs.format"], errors.Select(e => e.Field));
        Assert.Equal([9, 6, 7, 8], errors.Select(e => e.Line));
        Assert.Contains("512MiB", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("text or json", errors[3].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TinyMaxSize_IsRefused()
    {
        var path = _dir.Write("pier.yaml", Minimal + "logs: { max_size: 100B }\n");

        var error = Assert.Single(Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors);

        Assert.Equal("logs.max_size", error.Field);
        Assert.Contains("4KiB", error.Message, StringComparison.Ordinal);
    }
}
