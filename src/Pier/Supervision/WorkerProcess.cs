using System.Diagnostics;
using Pier.Os;

namespace Pier.Supervision;

/// <summary>
/// One running process group: the command runs under <c>setsid</c>, so its PID is also its process
/// group and session id, and every child it forks (a shell wrapper, a gunicorn-style master's workers)
/// is stopped with it. Output is read line by line into the <see cref="OutputSink"/>.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private const int StderrLinesKept = 5;
    private const int OutputLinesKept = 15;

    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TimeSpan OutputGrace = TimeSpan.FromMilliseconds(250);

    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _lastStderr = new();
    private readonly Queue<string> _lastOutput = new();
    private string? _stopCause;

    private WorkerProcess(Process process) => _process = process;

    public int Pid { get; private set; }

    /// <summary>Completes with the exit code when the group leader ends and its last output has been read.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Completes the moment the group leader's exit is seen, before its output is read to the end.</summary>
    public Task Ended => _ended.Task;

    /// <exception cref="InvalidOperationException">The spec's user does not exist, or Pier may not switch to it.</exception>
    public static WorkerProcess Start(ProcessSpec spec, OutputSink output, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = spec.Directory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (spec.CgroupProcs is not null)
        {
            // A first shell joins the cgroup, as Pier's user (root), then becomes the rest of the
            // command line: nothing the worker starts can begin outside the cgroup.
            info.ArgumentList.Add("/bin/sh");
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("echo $$ > \"$0\" || exit 125; exec \"$@\"");
            info.ArgumentList.Add(spec.CgroupProcs);
        }
        var user = spec.User is null ? null : WorkerUser.Resolve(spec.User);
        if (user is { IsOtherUser: true })
        {
            foreach (var word in user.Prefix)
                info.ArgumentList.Add(word);
            info.Environment["USER"] = info.Environment["LOGNAME"] = user.Name;
            info.Environment["HOME"] = user.Home;
        }
        info.ArgumentList.Add("/bin/sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(spec.ShellLine);
        // Python block-buffers a pipe; operators expect to see lines as they are printed.
        info.Environment["PYTHONUNBUFFERED"] = "1";
        foreach (var (key, value) in spec.Environment)
            info.Environment[key] = value;
        if (extraEnvironment is not null)
            foreach (var (key, value) in extraEnvironment)
                info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                worker._stdoutClosed.TrySetResult();
                return;
            }
            output.Write(spec.Id, e.Data);
            worker.Keep(e.Data, isError: false);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                worker._stderrClosed.TrySetResult();
                return;
            }
            output.Write(spec.Id, e.Data, isError: true);
            worker.Keep(e.Data, isError: true);
        };
        process.Exited += async (_, _) =>
        {
            worker._ended.TrySetResult();
            // The last lines (a traceback) may still be in the pipes when the exit is noticed; wait
            // a moment for them, but not for children that keep the pipes open after the leader died.
            await Task.WhenAny(Task.WhenAll(worker._stdoutClosed.Task, worker._stderrClosed.Task), Task.Delay(OutputGrace));
            worker._exited.TrySetResult(process.ExitCode);
        };
        process.Start();
        worker.Pid = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    private void Keep(string line, bool isError)
    {
        lock (_lastStderr)
        {
            if (isError)
                Append(_lastStderr, line, StderrLinesKept);
            Append(_lastOutput, line, OutputLinesKept);
        }
    }

    private static void Append(Queue<string> tail, string line, int limit)
    {
        tail.Enqueue(line);
        if (tail.Count > limit)
            tail.Dequeue();
    }

    /// <summary>The last lines of stdout and stderr together, as they arrived.</summary>
    public IReadOnlyList<string> LastOutput
    {
        get
        {
            lock (_lastStderr)
                return _lastOutput.ToArray();
        }
    }

    public IReadOnlyList<string> LastStderr
    {
        get
        {
            lock (_lastStderr)
                return _lastStderr.ToArray();
        }
    }

    /// <summary>The exit reason once <see cref="Exited"/> has completed.</summary>
    public ExitReason Reason(string? cause = null) =>
        new(_exited.Task.Result, _stopCause is not null, cause ?? _stopCause, LastStderr);

    /// <summary>
    /// Stops the whole group: SIGTERM (and SIGCONT, so a stopped process can act on it), wait up to
    /// <paramref name="timeout"/> for every member to end, then SIGKILL what is left.
    /// </summary>
    public async Task<ExitReason> StopAsync(TimeSpan timeout, string cause)
    {
        _stopCause ??= cause;
        if (!_exited.Task.IsCompleted || Signals.GroupExists(Pid))
        {
            Signals.SendToGroup(Pid, Signals.SIGTERM);
            Signals.SendToGroup(Pid, Signals.SIGCONT);
            await WaitForGroupAsync(timeout);
        }
        await KillGroupAsync();
        return Reason();
    }

    /// <summary>After the leader ended by itself, ends anything it left behind in its group.</summary>
    public async Task CleanUpGroupAsync(TimeSpan grace)
    {
        if (!Signals.GroupExists(Pid))
            return;
        Signals.SendToGroup(Pid, Signals.SIGTERM);
        Signals.SendToGroup(Pid, Signals.SIGCONT);
        await WaitForGroupAsync(grace);
        await KillGroupAsync();
    }

    private async Task KillGroupAsync()
    {
        if (Signals.GroupExists(Pid))
            Signals.SendToGroup(Pid, Signals.SIGKILL);
        // SIGKILL cannot be ignored; the bound keeps an unreaped zombie from holding us here.
        await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    private async Task WaitForGroupAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        await Task.WhenAny(_exited.Task, Task.Delay(timeout));
        // Members other than the leader may still be draining; poll them until the deadline.
        while (Signals.GroupExists(Pid) && deadline.Elapsed < timeout)
            await Task.Delay(50);
    }

    public void Dispose() => _process.Dispose();
}
