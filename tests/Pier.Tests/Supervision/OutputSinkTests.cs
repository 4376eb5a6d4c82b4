using Pier.Configuration;
using Pier.Logs;
using Pier.Supervision;

namespace Pier.Tests.Supervision;

public sealed class OutputSinkTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AFlood_IsWrittenWhole_OrCountedAsDropped()
    {
        var logs = new LogsConfig(64 * 1024, 1000, LogFormat.Text);
        var sink = new OutputSink(_dir.Path, TextWriter.Null, color: false, logs);
        for (var i = 1; i <= 200_000; i++)
            sink.Write("web.1", i.ToString());
        await sink.DisposeAsync();

        var numbers = ReadAll("web.1").Select(l => int.Parse(l.Text)).ToList();
        Assert.Equal(200_000, numbers.Count + sink.Dropped);
        Assert.Equal(numbers.Order(), numbers);
        if (sink.Dropped > 0)
            Assert.Contains(ReadAll("pier"), l => l.Text.StartsWith($"dropped {sink.Dropped} log line", StringComparison.Ordinal));
    }

    private List<LogLine> ReadAll(string source)
    {
        var directory = new LogDirectory(_dir.Path);
        var files = directory.RotatedFiles(source).Reverse().Append(directory.LiveFile(source));
        return files.SelectMany(File.ReadLines).Select(l => LogLine.Parse(l, source)!).ToList();
    }
}
