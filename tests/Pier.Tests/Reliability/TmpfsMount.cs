using System.Diagnostics;

namespace Pier.Tests.Reliability;

/// <summary>
/// A small tmpfs mounted on a test's directory, so that "the disk is full" is real and quick to
/// reach. Needs root (the CI runs as root). Disposal unmounts it, lazily if a process still holds a file.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static TmpfsMount Mount(string path, string size)
    {
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", path);
        return new TmpfsMount(path);
    }

    /// <summary>Gives the file system more room: the space comes back without unmounting.</summary>
    public void Resize(string size) => Run("mount", "-o", $"remount,size={size}", Path);

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} did not finish within 30 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr} (the disk-full test needs root)");
    }

    public void Dispose()
    {
        try
        {
            Run("umount", Path);
        }
        catch (InvalidOperationException)
        {
            Run("umount", "-l", Path);
        }
    }
}
