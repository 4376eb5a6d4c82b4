using System.Runtime.InteropServices;

namespace Pier.Os;

/// <summary>The user database (getpwnam(3), getpwuid(3)) and the user this process runs as.</summary>
internal static partial class UnixUser
{
    /// <summary>One entry of the user database.</summary>
    public sealed record Account(string Name, uint Uid, uint Gid, string Home);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getpwnam(string name);

    [LibraryImport("libc")]
    private static partial IntPtr getpwuid(uint uid);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    public static uint EffectiveUid => geteuid();

    /// <summary>The account of a user name or numeric id; null when there is none.</summary>
    public static Account? Find(string user)
    {
        var entry = uint.TryParse(user, out var uid) ? getpwuid(uid) : getpwnam(user);
        if (entry == IntPtr.Zero)
            return null;
        var passwd = Marshal.PtrToStructure<Passwd>(entry);
        return new Account(Marshal.PtrToStringUTF8(passwd.Name)!, passwd.Uid, passwd.Gid, Marshal.PtrToStringUTF8(passwd.Dir) ?? "/");
    }

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
