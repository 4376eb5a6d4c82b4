using Pier.Os;

namespace Pier.Supervision;

/// <summary>
/// As PID 1 (in a container), every orphan of every worker becomes Pier's child, and its zombie
/// stays in the process table until Pier waits for it. .NET's Process only waits for the children
/// it started, so this reaps the others: a child of Pier that has been a zombie for a whole scan
/// interval is one .NET did not reap the moment it ended, and is waited for by its PID. The PIDs
/// Pier's own Process objects stand for are never touched, so their exit statuses stay theirs.
/// </summary>
internal sealed class ZombieReaper : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly Func<IEnumerable<int>> _ownChildren;
    private readonly CancellationTokenSource _stop = new();
    private HashSet<int> _seen = [];

    private ZombieReaper(Func<IEnumerable<int>> ownChildren)
    {
        _ownChildren = ownChildren;
        _ = RunAsync(_stop.Token);
    }

    /// <summary>Starts reaping when this process is PID 1; null otherwise, where init reaps orphans.</summary>
    /// <param name="ownChildren">PIDs of the processes Pier started and waits for itself (worker leaders).</param>
    public static ZombieReaper? StartIfInit(Func<IEnumerable<int>> ownChildren) =>
        Environment.ProcessId == 1 ? new ZombieReaper(ownChildren) : null;

    private async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
                ReapOnce();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reaps the zombies seen in the previous scan that are still zombies; remembers the new ones.</summary>
    internal void ReapOnce()
    {
        var own = _ownChildren().ToHashSet();
        var zombies = ZombieChildren(Environment.ProcessId).Where(pid => !own.Contains(pid)).ToHashSet();
        foreach (var pid in zombies.Where(_seen.Contains))
            ChildProcess.TryReap(pid);
        _seen = zombies;
    }

    /// <summary>Children of <paramref name="parent"/> in state Z.</summary>
    internal static IEnumerable<int> ZombieChildren(int parent) =>
        ProcessTable.All().Where(e => e.State == 'Z' && e.ParentPid == parent).Select(e => e.Pid);

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
