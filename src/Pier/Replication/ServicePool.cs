using Pier.Configuration;
using Pier.Supervision;

namespace Pier.Replication;

/// <summary>The workers of one service: <see cref="ServiceConfig.Workers"/> supervised slots, run together.</summary>
internal sealed class ServicePool
{
    private readonly List<Worker> _workers;
    private readonly List<Task> _running = new();
    private readonly CancellationTokenSource _stop = new();

    public ServicePool(ServiceConfig service, SupervisionContext context, Action<Worker> changed)
    {
        Service = service;
        _workers = Enumerable.Range(1, service.Workers).Select(n => new Worker(service, n, context, changed)).ToList();
    }

    public ServiceConfig Service { get; }

    public IReadOnlyList<Worker> Workers => _workers;

    public void Start()
    {
        foreach (var worker in _workers)
            _running.Add(Task.Run(() => worker.RunAsync(_stop.Token)));
    }

    /// <summary>Stops every worker at once (each SIGTERM, its stop timeout, then SIGKILL) and waits for all.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
    }
}
