using Pier.Configuration;
using Pier.Routing;
using Pier.Supervision;

namespace Pier.Replication;

/// <summary>
/// One pool's part of the routing table: builds its service's <see cref="ServiceRoute"/> from its workers
/// and swaps that route alone into <see cref="LiveRoutes"/>. Keeps one <see cref="Destination"/> per worker
/// process across snapshots (its in-flight count must stay true), retires it when the worker is being
/// stopped, keeps it until drained, and marks it gone when the process has ended.
/// </summary>
internal sealed class PoolRoute(LiveRoutes routes, TimeProvider time)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Destination> _destinations = new();

    /// <summary>Publishes the service's route as its workers are now; nothing for a background service.</summary>
    public void Publish(ServiceConfig service, IReadOnlyList<Worker> workers)
    {
        if (service.Http is null)
            return;
        lock (_lock)
        {
            var live = new HashSet<string>();
            var destinations = new List<Destination>();
            if (service.Upstream is { } url)
            {
                var key = $"{service.Name}@{url}";
                live.Add(key);
                if (!_destinations.TryGetValue(key, out var upstream))
                    _destinations[key] = upstream = Destination.ForUpstream(service.Name, url);
                destinations.Add(upstream);
            }
            foreach (var worker in workers)
            {
                if (worker.Status is not { State: WorkerState.Ready or WorkerState.Stopping, Endpoint: { } endpoint, Pid: { } pid } status)
                    continue;
                // A stopping worker is out of rotation but kept here until it drained.
                var key = Key(status);
                live.Add(key);
                if (!_destinations.TryGetValue(key, out var destination))
                    _destinations[key] = destination = Destination.ForWorker(status.Id, endpoint, pid);
                if (status.State == WorkerState.Ready)
                    destinations.Add(destination);
                else
                    destination.Retire();
            }
            // A worker's destination falls out once its process has ended (or it is no longer the worker's
            // process): marked gone here, whichever worker's change publishes first, so a reset that waits on it learns at once.
            foreach (var stale in _destinations.Keys.Where(k => !live.Contains(k)).ToList())
            {
                _destinations[stale].MarkGone();
                _destinations.Remove(stale);
            }
            var hosts = service.Http.Hosts.Select(h => h.ToLowerInvariant()).ToList();
            routes.Publish(new ServiceRoute(service.Name, hosts, destinations.ToArray()));
        }
    }

    /// <summary>Waits until the worker's destination has no request in flight, up to <paramref name="deadline"/>.</summary>
    public Task DrainAsync(WorkerStatus status, TimeSpan deadline)
    {
        Destination? destination;
        lock (_lock)
            _destinations.TryGetValue(Key(status), out destination);
        return destination?.DrainAsync(deadline, time) ?? Task.CompletedTask;
    }

    /// <summary>Takes the service out of routing: it was removed from the config.</summary>
    public void Remove(string service)
    {
        lock (_lock)
        {
            foreach (var destination in _destinations.Values)
                destination.MarkGone();
            _destinations.Clear();
        }
        routes.Remove(service);
    }

    private static string Key(WorkerStatus status) => $"{status.Id}:{status.Endpoint}";
}
