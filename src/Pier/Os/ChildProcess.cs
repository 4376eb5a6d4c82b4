using System.Runtime.InteropServices;

namespace Pier.Os;

/// <summary>waitpid(2) for a child this process did not start through .NET's Process, which waits only for its own.</summary>
internal static partial class ChildProcess
{
    private const int WNOHANG = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, out int status, int options);

    /// <summary>Collects the child's exit status if it has ended, without waiting; true when it was reaped.</summary>
    public static bool TryReap(int pid) => waitpid(pid, out _, WNOHANG) == pid;
}
