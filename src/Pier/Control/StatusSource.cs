using Pier.Configuration;
using Pier.Replication;
using Pier.Resources;

namespace Pier.Control;

/// <summary>
/// Builds what `pier status` shows (and systemd's STATUS line) from what the parts publish: the deployer's
/// pools and config file, the sampling's latest usage, the front door's request counts.
/// </summary>
internal sealed class StatusSource(Deployer deployer, Func<UsageSnapshot> usage, PierMetrics metrics, TimeProvider time)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public StatusReport Status()
    {
        var now = time.GetUtcNow();
        var file = deployer.File;
        var latest = usage();
        var services = deployer.Pools.Select(pool =>
        {
            var service = pool.Service;
            var workers = pool.Workers.Select(w => w.Status).OrderBy(s => s.Id, StringComparer.Ordinal).ThenBy(s => s.Generation)
                .Select(s => new WorkerReport(
                    s.Id, s.Pid, s.State.ToString().ToLowerInvariant(), s.Endpoint?.Port, s.Endpoint?.SocketPath, s.Restarts,
                    s.StartedAt is { } started ? Math.Round((now - started).TotalSeconds, 1) : null,
                    s.LastExit, s.LastStderr, s.Generation,
                    s.Pid is { } pid && latest.Workers.TryGetValue(pid, out var use) ? use.CpuPercent : null,
                    s.Pid is { } p && latest.Workers.TryGetValue(p, out var used) ? used.MemoryBytes : null)).ToList();
            var ready = workers.Count(w => w.State is "ready" or "running");
            var kind = service.Upstream is not null ? "upstream" : service.Http is null ? "background" : "http";
            var note = service.Upstream is { } url ? $"forwards to {url}" : pool.Note;
            var (requests, serverErrors) = metrics.Answered(service.Name);
            return new ServiceReport(service.Name, kind, pool.Desired, ready, workers,
                Math.Round(workers.Sum(w => w.CpuPercent ?? 0), 1), workers.Sum(w => w.MemoryBytes ?? 0), note, requests, serverErrors);
        }).ToList();
        var host = latest.Host;
        var budget = $"{MemoryBudget.Fraction * 100:0}% of {ByteSize.Format(host.MemoryTotalBytes)}; {ByteSize.Format(host.MemoryAvailableBytes)} available, " +
            $"workers use {ByteSize.Format(services.Sum(s => s.MemoryBytes))}";
        return new StatusReport(file.Name, Environment.ProcessId, _startedAt, file.FilePath, file.StateDirectory,
            file.Listen.Http, services, new HostReport(host.CpuPercent, host.Cores, host.MemoryTotalBytes, host.MemoryAvailableBytes, budget));
    }
}
