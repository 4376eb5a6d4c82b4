using System.Diagnostics;
using Pier.Os;

namespace Pier.Tests;

/// <summary>Real processes, each started through setsid as the leader of its own group as workers are; killed by PID afterwards.</summary>
internal sealed class GroupLeaders : IDisposable
{
    private readonly List<Process> _processes = [];

    /// <summary>Starts the command and returns once setsid has made it a group leader.</summary>
    public Process Start(string command, params string[] args)
    {
        var info = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(command);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        _processes.Add(process);
        var clock = Stopwatch.StartNew();
        while (ProcessTable.TryRead(process.Id)?.ProcessGroup != process.Id && clock.Elapsed < TimeSpan.FromSeconds(5))
            Thread.Sleep(5);
        return process;
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            Signals.Send(process.Id, Signals.SIGKILL);
            process.WaitForExit(5000);
            process.Dispose();
        }
    }
}
