using Pier.Os;

namespace Pier.Tests.Os;

public sealed class OpenFileTests
{
    [Fact]
    public void CurrentPath_FollowsTheFileWhenItIsRenamed()
    {
        using var directory = new TestDirectory();
        var path = directory.Write("web.2.log", "a line\n");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Assert.Equal(path, OpenFile.CurrentPath(stream.SafeFileHandle));

        File.Move(path, path + ".1");

        Assert.Equal(path + ".1", OpenFile.CurrentPath(stream.SafeFileHandle));
    }
}
