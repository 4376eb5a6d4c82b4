namespace Pier.Logs;

/// <summary>The log files under <c>&lt;state&gt;/logs</c>: one live file per source and its rotated older ones.</summary>
internal sealed class LogDirectory(string path)
{
    public string Path { get; } = path;

    public bool Exists => Directory.Exists(Path);

    /// <summary>The sources that have a live log file, by name.</summary>
    public IReadOnlyList<string> Sources() =>
        Exists
            ? Directory.EnumerateFiles(Path, "*.log").Select(f => System.IO.Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList()
            : [];

    public string LiveFile(string source) => System.IO.Path.Combine(Path, source + ".log");

    /// <summary>The rotated files of a source, newest (<c>.1</c>) first.</summary>
    public IReadOnlyList<string> RotatedFiles(string source)
    {
        if (!Exists)
            return [];
        var live = LiveFile(source);
        var numbered = new List<(int Number, string File)>();
        // "web.log.*" also matches web.log itself (a DOS rule .NET keeps), hence the length check.
        foreach (var file in Directory.EnumerateFiles(Path, source + ".log.*"))
            if (file.Length > live.Length + 1 && int.TryParse(file[(live.Length + 1)..], out var number) && number > 0)
                numbered.Add((number, file));
        return numbered.OrderBy(f => f.Number).Select(f => f.File).ToList();
    }
}
