using System.Globalization;

namespace Pier.Os;

/// <summary>
/// Which processes listen on a TCP port: the listening sockets' inodes from /proc/net/tcp and
/// tcp6, matched against the socket links in /proc/*/fd. Processes of other users are only
/// visible to root; then the port is known to be held but not by whom.
/// </summary>
internal static class PortHolders
{
    private const string Listen = "0A";

    public sealed record Holder(int Pid, string Command);

    /// <summary>Null when nothing listens on the port; otherwise the holders found (maybe none visible).</summary>
    public static IReadOnlyList<Holder>? Find(int port)
    {
        var inodes = new HashSet<string>();
        foreach (var table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            if (!File.Exists(table))
                continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] != Listen)
                    continue;
                var local = fields[1];
                if (int.Parse(local[(local.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                    inodes.Add(fields[9]);
            }
        }
        if (inodes.Count == 0)
            return null;

        var holders = new List<Holder>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out var pid))
                continue;
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]))
                    {
                        holders.Add(new Holder(pid, File.ReadAllText(Path.Combine(process, "comm")).Trim()));
                        break;
                    }
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // Another user's process, or one that just ended.
            }
        }
        return holders;
    }
}
