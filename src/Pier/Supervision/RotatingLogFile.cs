using System.Text;

namespace Pier.Supervision;

/// <summary>
/// One source's log file that rotates by size: when the next line would pass the limit,
/// <c>web.2.log</c> becomes <c>web.2.log.1</c> (older ones shift up to <c>.keep</c>, the oldest is
/// deleted) and a fresh file is started. Rotation happens between whole lines and only after the
/// old file was flushed, so a reader that follows the renamed file loses nothing.
/// Not thread-safe: <see cref="OutputSink"/>'s single writer owns it.
/// </summary>
internal sealed class RotatingLogFile : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly long _maxSize;
    private readonly int _keep;
    private StreamWriter? _writer;
    private long _size;

    public RotatingLogFile(string path, long maxSize, int keep)
    {
        Path = path;
        _maxSize = maxSize;
        _keep = keep;
        Open();
    }

    public string Path { get; }

    /// <summary>Appends one line; throws IOException (or UnauthorizedAccessException) when the disk refuses it.</summary>
    public void WriteLine(string line)
    {
        var bytes = Utf8.GetByteCount(line) + 1;
        if (_size > 0 && _size + bytes > _maxSize)
            Rotate();
        // A failed open or rotation left no writer: try again on every line, the disk may have space now.
        if (_writer is null)
            Open();
        _writer!.Write(line);
        _writer.Write('\n');
        _size += bytes;
    }

    public void Flush() => _writer?.Flush();

    private void Open()
    {
        _writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), Utf8);
        _size = _writer.BaseStream.Length;
    }

    private void Rotate()
    {
        var writer = _writer;
        _writer = null;
        writer?.Dispose();
        if (_keep == 0)
        {
            File.Delete(Path);
            return;
        }
        // Only the numbers that exist are shifted: probing every number up to a large keep costs more than the writes.
        // ("web.log.*" matches web.log itself too, a DOS rule .NET keeps.)
        var name = System.IO.Path.GetFileName(Path);
        var existing = Directory.EnumerateFiles(System.IO.Path.GetDirectoryName(Path)!, name + ".*")
            .Select(System.IO.Path.GetFileName)
            .Select(f => f!.Length > name.Length + 1 && int.TryParse(f.AsSpan(name.Length + 1), out var n) ? n : 0)
            .Where(n => n > 0)
            .OrderDescending();
        foreach (var n in existing)
        {
            if (n >= _keep)
                File.Delete(Rotated(n));
            else
                File.Move(Rotated(n), Rotated(n + 1));
        }
        // Someone may have removed the file by hand; then there is nothing to keep.
        if (File.Exists(Path))
            File.Move(Path, Rotated(1));
    }

    private string Rotated(int n) => $"{Path}.{n}";

    public void Dispose() => _writer?.Dispose();
}
