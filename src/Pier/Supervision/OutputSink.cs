using System.Text;
using System.Threading.Channels;
using Pier.Configuration;
using Pier.Logs;

namespace Pier.Supervision;

/// <summary>
/// Where every line of worker, before-step and Pier output goes: the terminal, prefixed with its
/// source (<c>web.2 | …</c>), and one log file per source under the state directory, rotated by
/// size. A single writer keeps lines whole; a bounded queue means a slow terminal or disk never
/// blocks a worker: lines that do not fit, or that the disk refuses, are counted as dropped and
/// reported as a <c>pier</c> line at most once a minute.
/// </summary>
internal sealed class OutputSink : IAsyncDisposable
{
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromMinutes(1);

    // Room for a burst: a worker can print a few hundred thousand lines faster than a disk takes them
    // (a few tens of MB at most). Wait mode, written only with TryWrite: a full queue makes TryWrite
    // return false, never block, so the loss is counted. (DropWrite would drop silently: its TryWrite returns true.)
    private const int QueuedLines = 256 * 1024;

    private readonly Channel<LogLine> _lines = Channel.CreateBounded<LogLine>(
        new BoundedChannelOptions(QueuedLines) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly Dictionary<string, RotatingLogFile> _files = new();
    private readonly string _logDirectory;
    private readonly TextWriter _console;
    private readonly bool _color;
    private readonly LogsConfig _settings;
    private readonly TimeProvider _time;
    private readonly Task _pump;
    private long _dropped;
    private long _droppedReported;
    private DateTimeOffset _lastDropReport = DateTimeOffset.MinValue;

    public OutputSink(string logDirectory, TextWriter console, bool color, LogsConfig? settings = null, TimeProvider? time = null)
    {
        _logDirectory = logDirectory;
        _console = console;
        _color = color;
        _settings = settings ?? LogsConfig.Default;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(logDirectory);
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Lines lost since start: the queue was full (slow disk or terminal) or the disk refused them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public string LogFile(string source) => Path.Combine(_logDirectory, source + ".log");

    public void Write(string source, string text, bool isError = false)
    {
        if (!_lines.Writer.TryWrite(new LogLine(_time.GetUtcNow(), source, isError ? "err" : "out", text)))
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
                Emit(console, line);
                if (console.Length > 16_384)
                    Flush(console);
            }
            ReportDrops(console, force: false);
            Flush(console);
        }
        ReportDrops(console, force: true);
        Flush(console);
    }

    private void Emit(StringBuilder console, LogLine line)
    {
        AppendConsole(console, line);
        WriteFile(line);
    }

    /// <summary>Says how many lines were lost, through the writer itself: the queue may be the thing that is full.</summary>
    private void ReportDrops(StringBuilder console, bool force)
    {
        var dropped = Dropped;
        var now = _time.GetUtcNow();
        if (dropped == _droppedReported || (!force && now - _lastDropReport < DropReportInterval))
            return;
        _lastDropReport = now;
        var lost = dropped - _droppedReported;
        _droppedReported = dropped;
        Emit(console, new LogLine(now, "pier", "err", $"dropped {lost} log line(s) (disk full or too slow?); {dropped} since start"));
    }

    private void AppendConsole(StringBuilder console, LogLine line)
    {
        if (_settings.Format == LogFormat.Json)
        {
            console.Append(line.ToJson()).Append('\n');
            return;
        }
        var prefix = line.Source.PadRight(9);
        if (_color)
        {
            console.Append(SourceColour.Paint(line.Source, prefix + " |")).Append(' ');
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

    private void WriteFile(LogLine line)
    {
        try
        {
            if (!_files.TryGetValue(line.Source, out var file))
                _files[line.Source] = file = new RotatingLogFile(LogFile(line.Source), _settings.MaxSize, _settings.Keep);
            file.WriteLine(line.Format(_settings.Format));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk loses log lines, never the worker: they are counted instead.
            Interlocked.Increment(ref _dropped);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _pump;
        foreach (var file in _files.Values)
        {
            try
            {
                file.Dispose();
            }
            catch (IOException)
            {
                // The last buffered lines could not be written; nothing is left to tell.
            }
        }
        _files.Clear();
    }
}
