namespace Pier.Hosting;

/// <summary>
/// One Pier per state directory. .NET takes an advisory flock for FileShare.None, and the kernel
/// drops it when the process dies however it dies, so a stale lock can never block a restart.
/// </summary>
internal sealed class InstanceLock : IDisposable
{
    private readonly FileStream _file;

    private InstanceLock(FileStream file) => _file = file;

    /// <summary>Null when another live Pier holds the lock; <paramref name="holder"/> then names its PID if known.</summary>
    public static InstanceLock? TryAcquire(string stateDirectory, out string? holder)
    {
        var path = Path.Combine(stateDirectory, "pier.lock");
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId + "\n");
            file.Write(pid);
            file.Flush();
            holder = null;
            return new InstanceLock(file);
        }
        catch (IOException)
        {
            try
            {
                holder = File.ReadAllText(path).Trim();
            }
            catch (IOException)
            {
                holder = null;
            }
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}
