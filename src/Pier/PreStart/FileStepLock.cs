using System.Diagnostics;

namespace Pier.PreStart;

/// <summary>
/// Makes the before steps run one set at a time on this server: an advisory flock on a file that
/// every Pier started on the same config opens (a second `pier up` or `pier reload` waits here). The
/// kernel drops the lock when its holder dies, so a killed Pier never leaves it stuck.
/// </summary>
internal sealed class FileStepLock : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly FileStream _file;

    private FileStepLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, reporting once that it waits; throws TimeoutException after <paramref name="timeout"/>.</summary>
    public static async Task<FileStepLock> AcquireAsync(string path, TimeSpan timeout, Action<string> progress, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var waited = Stopwatch.StartNew();
        var told = false;
        while (true)
        {
            try
            {
                // .NET implements FileShare.None on Unix with flock(LOCK_EX | LOCK_NB).
                var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                file.SetLength(0);
                file.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
                file.Flush();
                if (told)
                    progress($"before steps: got the lock after {waited.Elapsed.TotalSeconds:0.0}s");
                return new FileStepLock(file);
            }
            catch (IOException) when (waited.Elapsed < timeout)
            {
                if (!told)
                {
                    progress($"before steps: waiting for the lock {path}, held by {Holder(path)}");
                    told = true;
                }
                await Task.Delay(Poll, cancellation);
            }
            catch (IOException)
            {
                throw new TimeoutException($"the before-steps lock {path} is still held by {Holder(path)} after {timeout.TotalSeconds:0}s; " +
                    "another Pier on this config is running its steps");
            }
        }
    }

    private static string Holder(string path)
    {
        try
        {
            var pid = File.ReadAllText(path).Trim();
            return pid.Length > 0 ? $"PID {pid}" : "another process";
        }
        catch (IOException)
        {
            return "another process";
        }
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
