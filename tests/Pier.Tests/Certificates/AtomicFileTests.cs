using Pier.Certificates;

namespace Pier.Tests.Certificates;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_ReplacesTheWholeFile_OwnerOnly_LeavingNoTempFile()
    {
        var path = Path.Combine(_dir.Path, "certs", "privkey.pem");

        AtomicFile.Write(path, "first, and longer than the second");
        AtomicFile.Write(path, "second");

        Assert.Equal("second", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
