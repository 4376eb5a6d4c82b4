using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Pier.Os;

/// <summary>The file facts and changes .NET does not expose: the owner's uid, access(2) for this process, and lchown(2).</summary>
internal static partial class UnixFile
{
    private const int AtFdCwd = -100, StatxUid = 0x8, UidOffset = 20, WriteOk = 2;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LChown(string path, uint owner, uint group);

    /// <summary>The owner's uid, or null when the file cannot be examined. statx: its layout is the same on every architecture.</summary>
    public static uint? Owner(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        return Statx(AtFdCwd, path, 0, StatxUid, buffer) == 0 ? BinaryPrimitives.ReadUInt32LittleEndian(buffer[UidOffset..]) : null;
    }

    public static bool IsWritable(string path) => Access(path, WriteOk) == 0;

    /// <summary>Gives the file (not what a symbolic link points at) to the user and group: 0, or the errno.</summary>
    public static int ChangeOwner(string path, uint owner, uint group) =>
        LChown(path, owner, group) == 0 ? 0 : Marshal.GetLastPInvokeError();
}
