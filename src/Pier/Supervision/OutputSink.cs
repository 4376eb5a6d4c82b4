using System.Text;
using System.Threading.Channels;

namespace Pier.Supervision;

/// <summary>
/// Where every line of worker, before-step and Pier output goes: the terminal, prefixed with its
/// source (<c>web.2 | …</c>), and one log file per source under the state directory. A single
/// writer keeps lines whole; a bounded queue means a slow terminal or disk never blocks a worker
/// (lines that do not fit are counted as dropped).
/// </summary>
internal sealed class OutputSink : IAsyncDisposable
{
    private static readonly string[] Palette = ["36", "33", "35", "32", "34", "96", "93", "95", "92", "94"];

    private readonly Channel<Line> _lines = Channel.CreateBounded<Line>(
        new BoundedChannelOptions(50_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Dictionary<string, StreamWriter> _files = new();
    private readonly string _logDirectory;
    private readonly TextWriter _console;
    private readonly bool _color;
    private readonly Task _pump;
    private long _dropped;

    private readonly record struct Line(DateTimeOffset At, string Source, string Text, bool IsError);

    public OutputSink(string logDirectory, TextWriter console, bool color)
    {
        _logDirectory = logDirectory;
        _console = console;
        _color = color;
        Directory.CreateDirectory(logDirectory);
        _pump = Task.Run(PumpAsync);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public string LogFile(string source) => Path.Combine(_logDirectory, source + ".log");

    public void Write(string source, string text, bool isError = false)
    {
        if (!_lines.Writer.TryWrite(new Line(DateTimeOffset.UtcNow, source, text, isError)))
            Interlocked.Increment(ref _dropped);
    }

    private async Task PumpAsync()
    {
        var reader = _lines.Reader;
        var console = new StringBuilder();
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var line))
            {
                AppendConsole(console, line);
                WriteFile(line);
                if (console.Length > 16_384)
                    Flush(console);
            }
            Flush(console);
        }
    }

    private void AppendConsole(StringBuilder console, Line line)
    {
        var prefix = line.Source.PadRight(9);
        if (_color)
        {
            var colour = Palette[(int)((uint)StringComparer.Ordinal.GetHashCode(line.Source) % Palette.Length)];
            if (line.Source == "pier")
                colour = "1";
            console.Append("\u001b[").Append(colour).Append('m').Append(prefix).Append(" |\u001b[0m ");
        }
        else
        {
            console.Append(prefix).Append(" | ");
        }
        console.Append(line.Text).Append('\n');
    }

    private void Flush(StringBuilder console)
    {
        try
        {
            _console.Write(console.ToString());
            _console.Flush();
        }
        catch (IOException)
        {
            // A closed terminal must not stop logging to files.
        }
        console.Clear();
        foreach (var file in _files.Values)
        {
            try
            {
                file.Flush();
            }
            catch (IOException)
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    private void WriteFile(Line line)
    {
        var file = FileFor(line.Source);
        if (file is null)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        try
        {
            file.Write(line.At.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
            file.Write(line.IsError ? " err " : " out ");
            file.WriteLine(line.Text);
        }
        catch (IOException)
        {
            // A full disk loses log lines, never the worker: they are counted instead.
            Interlocked.Increment(ref _dropped);
        }
    }

    private StreamWriter? FileFor(string source)
    {
        if (_files.TryGetValue(source, out var writer))
            return writer;
        try
        {
            writer = new StreamWriter(new FileStream(LogFile(source), FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        _files[source] = writer;
        return writer;
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _pump;
        foreach (var file in _files.Values)
            await file.DisposeAsync();
    }
}
