using System.Runtime.InteropServices;

namespace Pier.Supervision;

/// <summary>
/// The account a service's workers run as (<c>user:</c>). Pier keeps its own user and its ports;
/// the worker's command is started through util-linux's <c>setpriv</c>, which takes the user's
/// ids and groups before it executes the command. Switching users takes root.
/// </summary>
internal sealed partial record WorkerUser(string Name, uint Uid, uint Gid, string Home)
{
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getpwnam(string name);

    [LibraryImport("libc")]
    private static partial IntPtr getpwuid(uint uid);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int lchown(string path, uint owner, uint group);

    /// <summary>Looks the user up (a name or a numeric id); throws with what to do when it cannot be used.</summary>
    public static WorkerUser Resolve(string user)
    {
        var entry = uint.TryParse(user, out var uid) ? getpwuid(uid) : getpwnam(user);
        if (entry == IntPtr.Zero)
            throw new InvalidOperationException($"user '{user}' does not exist on this machine; create it (useradd --system {user}) or change `user:`");
        var passwd = Marshal.PtrToStructure<Passwd>(entry);
        var resolved = new WorkerUser(Marshal.PtrToStringUTF8(passwd.Name)!, passwd.Uid, passwd.Gid, Marshal.PtrToStringUTF8(passwd.Dir) ?? "/");
        var self = geteuid();
        if (self != 0 && self != resolved.Uid)
            throw new InvalidOperationException($"running workers as '{user}' needs Pier to run as root (it runs as uid {self}); start Pier as root or remove `user:`");
        return resolved;
    }

    /// <summary>Gives a folder Pier made to this user, so that the worker can create files in it (its Unix socket).</summary>
    public void TakeOwnership(string path)
    {
        if (lchown(path, Uid, Gid) != 0)
            throw new InvalidOperationException($"cannot give {path} to user '{Name}' (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>Whether the command needs <see cref="Prefix"/>: not when Pier already is this user.</summary>
    public bool IsOtherUser => geteuid() != Uid;

    /// <summary>What goes before <c>/bin/sh -c</c>: take the user's uid, gid and supplementary groups.</summary>
    public IReadOnlyList<string> Prefix => ["setpriv", $"--reuid={Uid}", $"--regid={Gid}", "--init-groups", "--"];

    /// <summary>struct passwd from pwd.h, in its Linux layout.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public IntPtr Name;
        public IntPtr Password;
        public uint Uid;
        public uint Gid;
        public IntPtr Gecos;
        public IntPtr Dir;
        public IntPtr Shell;
    }
}
