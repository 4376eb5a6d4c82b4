using System.Runtime.InteropServices;

namespace Pier.Os;

/// <summary>Sends POSIX signals to whole process groups, which .NET's Process cannot do.</summary>
internal static partial class Signals
{
    public const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    /// <summary>Signals every process in the group; false when the group no longer exists.</summary>
    public static bool SendToGroup(int processGroup, int signal) =>
        processGroup > 1 && kill(-processGroup, signal) == 0;

    /// <summary>True while at least one process of the group is alive (zombies included until reaped).</summary>
    public static bool GroupExists(int processGroup) => SendToGroup(processGroup, 0);

    public static bool Send(int pid, int signal) => pid > 1 && kill(pid, signal) == 0;

    public static string Name(int signal) => signal switch
    {
        1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 4 => "SIGILL", 6 => "SIGABRT", 7 => "SIGBUS",
        8 => "SIGFPE", 9 => "SIGKILL", 11 => "SIGSEGV", 13 => "SIGPIPE", 14 => "SIGALRM", 15 => "SIGTERM",
        _ => $"signal {signal}",
    };
}
