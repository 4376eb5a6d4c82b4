using Microsoft.Extensions.Hosting.Systemd;
using Pier.Control;

namespace Pier.Hosting;

/// <summary>
/// Tells systemd (a <c>Type=notify</c> unit) how Pier is doing, through the socket named by
/// <c>NOTIFY_SOCKET</c>: READY=1 once the first workers serve, RELOADING=1 and READY=1 around a
/// reload, STOPPING=1, a STATUS= line, and WATCHDOG=1 at half the interval systemd asked for.
/// Does nothing when not started by systemd.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Microsoft.Extensions.Hosting.Systemd.SystemdNotifier _socket = new();
    private readonly TimeSpan? _watchdog;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _lock = new();
    private string? _status;
    private bool _ready;

    public SystemdNotifier()
    {
        _watchdog = WatchdogInterval(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"));
        // These are meant for Pier alone, as sd_notify's unset_environment does: a worker that
        // inherited them could report READY=1 or ping the watchdog for Pier.
        foreach (var name in new[] { "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID" })
            Environment.SetEnvironmentVariable(name, null);
        if (_socket.IsEnabled && _watchdog is { } interval)
            _ = PingAsync(interval / 2, _stop.Token);
    }

    public bool IsEnabled => _socket.IsEnabled;

    /// <summary>Start-up (or a reload) is complete; <paramref name="status"/> becomes the STATUS= line.</summary>
    public void Ready(string status)
    {
        lock (_lock)
        {
            _ready = true;
            _status = status;
            Send($"READY=1\nSTATUS={status}");
        }
    }

    /// <summary>
    /// A reload started; systemd shows the unit as reloading until the next <see cref="Ready"/>.
    /// MONOTONIC_USEC lets a <c>Type=notify-reload</c> unit match it to its request.
    /// </summary>
    public void Reloading() =>
        Send($"RELOADING=1\nMONOTONIC_USEC={(long)(System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency * 1_000_000)}");

    public void Stopping(string status)
    {
        lock (_lock)
            Send($"STOPPING=1\nSTATUS={status}");
    }

    /// <summary>The one-line state systemctl status shows; sent only when it changed.</summary>
    public void Status(string status)
    {
        lock (_lock)
        {
            if (status == _status)
                return;
            _status = status;
            Send($"STATUS={status}");
        }
    }

    /// <summary>
    /// Start-up progress: READY=1 the first time <paramref name="allUp"/> holds, STATUS= otherwise. One
    /// lock around check and send, as workers become ready on several threads at once.
    /// </summary>
    public void Progress(string status, bool allUp)
    {
        lock (_lock)
        {
            if (allUp && !_ready)
                Ready(status);
            else
                Status(status);
        }
    }

    /// <summary>READY=1 once every service has a worker up, then a STATUS= line such as "web 4/4 ready".</summary>
    public void Report(Func<StatusReport> status)
    {
        if (!IsEnabled)
            return;
        var services = status().Services;
        Progress(Line(services), services.All(s => s.Ready > 0 || s.Desired == 0));
    }

    /// <summary>A reload ended, whichever way: READY=1, which systemd waits for after RELOADING=1.</summary>
    public void Reloaded(Func<StatusReport> status)
    {
        if (IsEnabled)
            Ready(Line(status().Services));
    }

    private static string Line(IEnumerable<ServiceReport> services) =>
        string.Join(", ", services.Select(s => $"{s.Name} {s.Ready}/{s.Desired} {(s.Kind == "http" ? "ready" : "running")}"));

    /// <summary>The ping interval systemd asked for, when it is meant for this process (sd_watchdog_enabled).</summary>
    internal static TimeSpan? WatchdogInterval(string? usec, string? pid) =>
        long.TryParse(usec, out var microseconds) && microseconds > 0
        && (pid is null || (int.TryParse(pid, out var owner) && owner == Environment.ProcessId))
            ? TimeSpan.FromMicroseconds(microseconds)
            : null;

    private async Task PingAsync(TimeSpan every, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            do
                Send("WATCHDOG=1");
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Send(string message)
    {
        if (_socket.IsEnabled)
            _socket.Notify(new ServiceState(message));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
