namespace Pier.Tests;

/// <summary>A fresh directory under /tmp for one test's files (config, state, logs); removed afterwards.</summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory()
    {
        // Short path: the control socket lives inside and Unix socket paths are limited to 108 bytes.
        Path = Directory.CreateTempSubdirectory("pier-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="text"/> to a file under this directory, creating its parent directories, and returns its full path.</summary>
    public string Write(string relativePath, string text)
    {
        var file = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
