namespace Pier.Logs;

/// <summary>
/// Reads the log files of the selected sources as one time-ordered stream: the last lines first
/// (going back into rotated files only as far as needed), then, when following, what is written
/// next, across rotation and from sources that appear later (a worker added by a scale).
/// </summary>
internal sealed class LogReader(LogDirectory directory, LogSelector selector) : IDisposable
{
    private readonly Dictionary<string, FollowedFile> _live = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Sources() => directory.Sources().Where(selector.Matches).ToList();

    /// <summary>The last <paramref name="count"/> lines over every selected source, oldest first; none older than <paramref name="since"/>.</summary>
    public IReadOnlyList<LogLine> Last(int count, DateTimeOffset? since)
    {
        var lines = new List<LogLine>();
        foreach (var source in Sources())
            lines.AddRange(History(source, count, since));
        var merged = Merge(lines);
        return merged.Skip(Math.Max(0, merged.Count - count)).ToList();
    }

    /// <summary>The lines written since the last call, time-ordered over every selected source.</summary>
    public IReadOnlyList<LogLine> Next()
    {
        var lines = new List<LogLine>();
        foreach (var source in Sources())
            lines.AddRange(Live(source).ReadNew());
        return Merge(lines);
    }

    private List<LogLine> History(string source, int count, DateTimeOffset? since)
    {
        var read = Live(source).ReadNew();
        var oldest = read.Count > 0 ? read[0].Time : (DateTimeOffset?)null;
        var lines = Newer(read, since);
        foreach (var file in directory.RotatedFiles(source))
        {
            if (lines.Count >= count || (since is not null && oldest < since))
                break;
            var older = ReadWhole(file, source);
            if (older.Count > 0)
                oldest = older[0].Time;
            lines.InsertRange(0, Newer(older, since));
        }
        return lines.Count > count ? lines[^count..] : lines;
    }

    private static List<LogLine> ReadWhole(string file, string source)
    {
        try
        {
            return File.ReadLines(file).Select(l => LogLine.Parse(l, source)).OfType<LogLine>().ToList();
        }
        catch (Exception e) when (e is FileNotFoundException or UnauthorizedAccessException)
        {
            // The next rotation may delete the oldest file while we look; then it is simply gone.
            return [];
        }
    }

    private static List<LogLine> Newer(List<LogLine> lines, DateTimeOffset? since) =>
        since is null ? lines : lines.Where(l => l.Time >= since).ToList();

    /// <summary>Time order across sources; a stable sort keeps each source's own order for lines within the same millisecond.</summary>
    private static List<LogLine> Merge(List<LogLine> lines) => lines.OrderBy(l => l.Time).ToList();

    private FollowedFile Live(string source)
    {
        if (!_live.TryGetValue(source, out var file))
            _live[source] = file = new FollowedFile(directory.LiveFile(source), source);
        return file;
    }

    public void Dispose()
    {
        foreach (var file in _live.Values)
            file.Dispose();
    }
}
