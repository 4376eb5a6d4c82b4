namespace Pier.Tests.Configuration;

/// <summary>A fresh directory per test, removed afterwards, to write config files into.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("pier-config-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="text"/> to a file under this directory and returns its full path.</summary>
    public string Write(string relativePath, string text)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
