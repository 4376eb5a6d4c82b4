using System.Runtime.InteropServices;

namespace Pier.Os;

/// <summary>
/// The C library's copy of the environment, which native code reads through getenv(3) and which
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change.
/// </summary>
internal static partial class NativeEnvironment
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);

    public static void Set(string name, string value) => SetEnv(name, value, 1);

    public static void Unset(string name) => UnsetEnv(name);
}
