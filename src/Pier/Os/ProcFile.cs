using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace Pier.Os;

/// <summary>
/// Reads small /proc files with open, read and close alone. The sampler reads one per process every
/// second (200 workers: 200 files); .NET's FileStream adds an fstat and a flock/unlock pair to each,
/// which on a paravirtualized VM is most of the cost.
/// </summary>
internal static partial class ProcFile
{
    private const int ReadOnlyCloseOnExec = 0x80000;
    private const int Interrupted = 4;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>The file's text, or null when it cannot be read (the process is gone, or is not ours to read).</summary>
    public static unsafe string? ReadAllText(string path)
    {
        var fd = Open(path, ReadOnlyCloseOnExec);
        if (fd < 0)
            return null;
        // Pooled: the sampler reads a file per process every second, and Pier should not churn its heap while idle.
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                nint read;
                fixed (byte* start = &buffer[length])
                    read = Read(fd, start, buffer.Length - length);
                if (read < 0 && Marshal.GetLastPInvokeError() == Interrupted)
                    continue;
                if (read < 0)
                    return null;
                if (read == 0)
                    return Encoding.UTF8.GetString(buffer, 0, length);
                length += (int)read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Close(fd);
        }
    }
}
