using System.Text;
using Pier.Os;

namespace Pier.Logs;

/// <summary>
/// The live log file of one source (<c>web.2.log</c>), read incrementally. When the writer
/// rotates it (renames it to <c>web.2.log.1</c> and starts a new one), the rest of the renamed
/// file is read through the handle still open on it before the new file is opened, so following
/// loses no line across rotation.
/// </summary>
internal sealed class FollowedFile(string path, string source) : IDisposable
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _partial = new();
    private FileStream? _stream;

    public string Source { get; } = source;

    /// <summary>The complete lines written since the last call (the whole file on the first call).</summary>
    public List<LogLine> ReadNew()
    {
        var lines = new List<LogLine>();
        if (_stream is null && !TryOpen())
            return lines;
        // Checked before reading: the writer renames only after its last flush, so once renamed the old file is complete.
        var rotated = !NamesOpenFile();
        ReadToEnd(lines);
        if (rotated)
        {
            _stream!.Dispose();
            _stream = null;
            _partial.SetLength(0);
            if (TryOpen())
                ReadToEnd(lines);
        }
        return lines;
    }

    private bool TryOpen()
    {
        try
        {
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether the path still names the file that is open.</summary>
    private bool NamesOpenFile() => OpenFile.CurrentPath(_stream!.SafeFileHandle) is not { } target || target == Path.GetFullPath(path);

    private void ReadToEnd(List<LogLine> lines)
    {
        int read;
        while ((read = _stream!.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (_buffer[i] != '\n')
                    continue;
                _partial.Write(_buffer, start, i - start);
                var text = Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length);
                _partial.SetLength(0);
                start = i + 1;
                if (LogLine.Parse(text, Source) is { } line)
                    lines.Add(line);
            }
            _partial.Write(_buffer, start, read - start);
        }
    }

    public void Dispose() => _stream?.Dispose();
}
