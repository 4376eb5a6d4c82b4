using Pier.Os;

namespace Pier.Supervision;

/// <summary>
/// The account a service's workers run as (<c>user:</c>). Pier keeps its own user and its ports;
/// the worker's command is started through util-linux's <c>setpriv</c>, which takes the user's
/// ids and groups before it executes the command. Switching users takes root.
/// </summary>
internal sealed record WorkerUser(string Name, uint Uid, uint Gid, string Home)
{
    /// <summary>Looks the user up (a name or a numeric id); throws with what to do when it cannot be used.</summary>
    public static WorkerUser Resolve(string user)
    {
        if (UnixUser.Find(user) is not { } account)
            throw new InvalidOperationException($"user '{user}' does not exist on this machine; create it (useradd --system {user}) or change `user:`");
        var resolved = new WorkerUser(account.Name, account.Uid, account.Gid, account.Home);
        var self = UnixUser.EffectiveUid;
        if (self != 0 && self != resolved.Uid)
            throw new InvalidOperationException($"running workers as '{user}' needs Pier to run as root (it runs as uid {self}); start Pier as root or remove `user:`");
        return resolved;
    }

    /// <summary>Gives a folder Pier made to this user, so that the worker can create files in it (its Unix socket).</summary>
    public void TakeOwnership(string path)
    {
        if (UnixFile.ChangeOwner(path, Uid, Gid) is not 0 and var errno)
            throw new InvalidOperationException($"cannot give {path} to user '{Name}' (errno {errno})");
    }

    /// <summary>Whether the command needs <see cref="Prefix"/>: not when Pier already is this user.</summary>
    public bool IsOtherUser => UnixUser.EffectiveUid != Uid;

    /// <summary>What goes before <c>/bin/sh -c</c>: take the user's uid, gid and supplementary groups.</summary>
    public IReadOnlyList<string> Prefix => ["setpriv", $"--reuid={Uid}", $"--regid={Gid}", "--init-groups", "--"];
}
