using Pier.Os;

namespace Pier.Tests.Os;

public sealed class UnixUserTests
{
    [Fact]
    public void Root_IsFoundByNameAndById_WithItsHome()
    {
        var byName = UnixUser.Find("root");
        var byId = UnixUser.Find("0");

        Assert.Equal(new UnixUser.Account("root", 0, 0, "/root"), byName);
        Assert.Equal(byName, byId);
    }

    [Fact]
    public void AUserThatDoesNotExist_IsNotFound() =>
        Assert.Null(UnixUser.Find("pier-no-such-user"));

    [Fact]
    public void TheEffectiveUid_IsTheOwnerOfWhatThisProcessCreates()
    {
        using var directory = new TestDirectory();

        Assert.Equal(UnixFile.Owner(directory.Path), UnixUser.EffectiveUid);
    }
}
