namespace Pier.Tests.EndToEnd;

/// <summary>A fresh directory under /tmp for one test's config, state and logs; removed afterwards.</summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory()
    {
        // Short path: the control socket lives inside and Unix socket paths are limited to 108 bytes.
        Path = Directory.CreateTempSubdirectory("pier-").FullName;
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
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
