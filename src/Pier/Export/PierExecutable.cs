namespace Pier.Export;

/// <summary>The absolute command line that starts this Pier again, for a unit's <c>ExecStart=</c>.</summary>
internal static class PierExecutable
{
    /// <summary>
    /// A published Pier is one native executable; run through <c>dotnet pier.dll</c> it is the host and the
    /// assembly. Both are made absolute, because systemd does not search PATH the way a shell does.
    /// </summary>
    public static IReadOnlyList<string> Current()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where this Pier's executable is");
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [Path.GetFullPath(process), Path.Combine(AppContext.BaseDirectory, typeof(PierExecutable).Assembly.GetName().Name + ".dll")]
            : [Path.GetFullPath(process)];
    }
}
