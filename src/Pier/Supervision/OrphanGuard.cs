using System.Diagnostics;
using System.Text;
using Pier.Os;

namespace Pier.Supervision;

/// <summary>
/// Makes sure no worker outlives Pier. A tiny shell process, in its own session, is told the
/// process group of every worker on its standard input; when Pier dies, even by SIGKILL, that
/// pipe closes and the guard ends the groups (SIGTERM, then SIGKILL a second later). The groups are
/// also written to the state directory, one file per Pier process (`pier run-before` may run beside
/// `pier up`), so that the next start can end anything still left.
/// </summary>
internal sealed class OrphanGuard : IDisposable
{
    // Pure sh (no forks while tracking) so the guard costs a few hundred KiB and starts at once.
    private const string Script = """
        trap '' INT TERM HUP
        groups=' '
        while read -r op pg; do
          case "$op" in
            +) groups="$groups$pg " ;;
            -) case "$groups" in *" $pg "*) groups="${groups%% $pg *} ${groups#* $pg }" ;; esac ;;
          esac
        done
        for pg in $groups; do kill -TERM -"$pg" 2>/dev/null; kill -CONT -"$pg" 2>/dev/null; done
        [ -z "${groups## }" ] && exit 0
        sleep 1
        for pg in $groups; do kill -KILL -"$pg" 2>/dev/null; done
        """;

    /// <summary>Marks every worker's environment so leftovers are recognised as ours, not a reused PID.</summary>
    public const string StateVariable = "PIER_STATE";

    private const string GroupsPrefix = "groups-";

    private readonly string _groupsFile;
    private readonly HashSet<int> _groups = new();
    private readonly object _lock = new();
    private Process? _guard;
    private bool _disposed;

    public OrphanGuard(string stateDirectory)
    {
        _groupsFile = Path.Combine(stateDirectory, $"{GroupsPrefix}{Environment.ProcessId}");
        StartGuard();
    }

    public void Track(int processGroup)
    {
        lock (_lock)
        {
            _groups.Add(processGroup);
            Tell($"+ {processGroup}");
            SaveGroups();
        }
    }

    public void Forget(int processGroup)
    {
        lock (_lock)
        {
            _groups.Remove(processGroup);
            Tell($"- {processGroup}");
            SaveGroups();
        }
    }

    private void StartGuard()
    {
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        var guard = new Process { StartInfo = info, EnableRaisingEvents = true };
        guard.Exited += (_, _) => RestartGuard();
        guard.Start();
        guard.StandardInput.AutoFlush = true;
        _guard = guard;
    }

    /// <summary>A guard killed by someone else is replaced and told every group again.</summary>
    private void RestartGuard()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _guard?.Dispose();
            StartGuard();
            foreach (var group in _groups)
                Tell($"+ {group}");
        }
    }

    private void Tell(string line)
    {
        try
        {
            _guard?.StandardInput.WriteLine(line);
        }
        catch (IOException)
        {
            // The guard just died; RestartGuard sends it the whole list again.
        }
    }

    /// <summary>
    /// The file only backs up the live guard for the next start, so a full disk must not stop supervision:
    /// the worker that is starting or exiting is what calls this. The next save writes the whole list again.
    /// </summary>
    private void SaveGroups()
    {
        var temporary = Path.Combine(Path.GetDirectoryName(_groupsFile)!, "." + Path.GetFileName(_groupsFile) + ".tmp");
        try
        {
            File.WriteAllText(temporary, string.Join('\n', _groups) + "\n");
            File.Move(temporary, _groupsFile, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Ends the processes that a previous Pier on this state directory left running (it was killed
    /// before it could stop them), before this one binds its ports. Returns the PIDs it ended.
    /// </summary>
    public static async Task<IReadOnlyList<int>> EndLeftoversAsync(string stateDirectory)
    {
        if (!Directory.Exists(stateDirectory))
            return [];
        var groups = new HashSet<int>();
        var files = new List<string>();
        foreach (var file in Directory.EnumerateFiles(stateDirectory, GroupsPrefix + "*"))
        {
            // A file whose writer still runs is that Pier's business, not leftovers.
            if (!int.TryParse(Path.GetFileName(file)[GroupsPrefix.Length..], out var owner)
                || (owner != Environment.ProcessId && Signals.Send(owner, 0)))
                continue;
            files.Add(file);
            foreach (var line in File.ReadAllLines(file))
                if (int.TryParse(line, out var group) && group > 1)
                    groups.Add(group);
        }
        if (groups.Count == 0)
        {
            // The last Pier ended cleanly: no need to read every process on the machine (a start-time cost).
            foreach (var file in files)
                File.Delete(file);
            return [];
        }
        var marker = Encoding.UTF8.GetBytes($"{StateVariable}={stateDirectory}\0");
        var leftovers = ProcessTable.All()
            .Where(p => groups.Contains(p.ProcessGroup) && ProcessTable.EnvironmentContains(p.Pid, marker))
            .ToList();
        foreach (var group in leftovers.Select(p => p.ProcessGroup).Distinct())
        {
            Signals.SendToGroup(group, Signals.SIGTERM);
            Signals.SendToGroup(group, Signals.SIGCONT);
        }
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (leftovers.Any(p => Signals.Send(p.Pid, 0)) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        foreach (var process in leftovers)
            Signals.Send(process.Pid, Signals.SIGKILL);
        foreach (var file in files)
            File.Delete(file);
        return leftovers.Select(p => p.Pid).ToList();
    }

    public void Dispose()
    {
        Process? guard;
        lock (_lock)
        {
            _disposed = true;
            guard = _guard;
            if (_groups.Count == 0)
                File.Delete(_groupsFile);
        }
        if (guard is null)
            return;
        // Outside the lock: the guard's Exited handler takes it, and Process.Dispose may wait for that handler.
        guard.EnableRaisingEvents = false;
        try
        {
            // Closing the pipe is the guard's signal; by now the groups it knows are empty.
            guard.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        guard.Dispose();
    }
}
