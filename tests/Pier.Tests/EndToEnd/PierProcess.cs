using System.Collections.Concurrent;
using System.Diagnostics;
using Pier.Control;
using Pier.Os;
using Pier.Supervision;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// A real `pier up` started as its own process on a config written to a temp directory. Disposal
/// stops it by PID (SIGTERM, then SIGKILL) and ends any worker group it recorded, so no test leaves
/// a process behind.
/// </summary>
internal sealed class PierProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TestDirectory _directory;

    private PierProcess(Process process, TestDirectory directory)
    {
        _process = process;
        _directory = directory;
    }

    public int Pid => _process.Id;

    public string StateDirectory => Path.Combine(_directory.Path, ".pier");

    public string ConfigPath => Path.Combine(_directory.Path, "pier.yaml");

    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public static PierProcess Start(TestDirectory directory, params string[] extraArgs)
    {
        var process = PierCli.Create(["up", "-c", Path.Combine(directory.Path, "pier.yaml"), .. extraArgs], directory.Path);
        var pier = new PierProcess(process, directory);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) pier._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) pier._output.Enqueue("stderr: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return pier;
    }

    public async Task<StatusReport?> StatusAsync()
    {
        using var client = new ControlClient(StateDirectory);
        try
        {
            return await client.StatusAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>Polls the control socket until the condition holds; fails the test with Pier's output otherwise.</summary>
    public async Task<StatusReport> WaitForAsync(Func<StatusReport, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        StatusReport? last = null;
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new Xunit.Sdk.XunitException($"pier exited with {_process.ExitCode} while waiting for {what}\n{Output}");
            last = await StatusAsync();
            if (last is not null && Holds(condition, last))
                return last;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"timed out after {timeout} waiting for {what}; last status: " +
            (last is null ? "none" : System.Text.Json.JsonSerializer.Serialize(last, ControlJson.Options)) + "\n" + Output);
    }

    /// <summary>The first line of Pier's output that contains <paramref name="text"/>; fails the test with the output if none comes within 10 s.</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_output.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
                return line;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"no line with \"{text}\" in Pier's output within 10 s:\n{Output}");
    }

    /// <summary>A condition that reads a worker not started yet (an index out of range) simply does not hold yet.</summary>
    private static bool Holds(Func<StatusReport, bool> condition, StatusReport status)
    {
        try
        {
            return condition(status);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    public Task<StatusReport> WaitForReadyAsync(string service, int count, TimeSpan? timeout = null) =>
        WaitForAsync(s => s.Services.Single(x => x.Name == service).Workers.Count(w => w.State is "ready" or "running") >= count,
            timeout ?? TimeSpan.FromSeconds(60), $"{count} ready workers of {service}");

    public void Signal(int signal) => Signals.Send(_process.Id, signal);

    /// <summary>The exit code, or null when it did not exit in time.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(Signals.SIGTERM);
            if (await WaitForExitAsync(TimeSpan.FromSeconds(20)) is null)
            {
                Signal(Signals.SIGKILL);
                await WaitForExitAsync(TimeSpan.FromSeconds(5));
            }
        }
        // Whatever Pier recorded and did not end (it was SIGKILLed by the test) is ended here, by group.
        await OrphanGuard.EndLeftoversAsync(StateDirectory);
        _process.Dispose();
    }
}
