using Microsoft.Win32.SafeHandles;

namespace Pier.Os;

/// <summary>Where an open file is now: /proc/self/fd follows a rename of the file the descriptor holds.</summary>
internal static class OpenFile
{
    /// <summary>The file's current path, or null when /proc does not say.</summary>
    public static string? CurrentPath(SafeFileHandle handle) =>
        new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
}
