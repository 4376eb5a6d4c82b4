using Pier.Supervision;
using Prometheus;

namespace Pier.Resources;

/// <summary>
/// Everything Pier measures, as Prometheus metrics (prometheus-net) in a registry of its own: per
/// worker CPU, memory, restarts and readiness; per service requests by status class, latency and
/// requests in flight; the host's CPU and available memory.
/// </summary>
internal sealed class PierMetrics
{
    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _requests;
    private readonly Histogram _duration;
    private readonly Gauge _inFlight;
    private readonly Counter _workerRequests;
    private readonly Histogram _workerDuration;
    private readonly Gauge _workerInFlight;
    private readonly Gauge _workerCpu;
    private readonly Gauge _workerMemory;
    private readonly Gauge _workerRestarts;
    private readonly Gauge _workerReady;
    private readonly Gauge _hostCpu;
    private readonly Gauge _hostMemoryAvailable;
    private readonly Gauge _hostMemoryTotal;
    private HashSet<(string Service, string Worker)> _workers = new();
    private long _answered;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ServiceSeries> _services = new();

    public PierMetrics()
    {
        var factory = Metrics.WithCustomRegistry(_registry);
        _requests = factory.CreateCounter("pier_requests_total", "Requests answered by the front door, by service and status class.", "service", "code");
        _duration = factory.CreateHistogram("pier_request_duration_seconds", "Time from request to response end at the front door.",
            new HistogramConfiguration { LabelNames = ["service"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        _inFlight = factory.CreateGauge("pier_requests_in_flight", "Requests the front door is forwarding now.", "service");
        _workerRequests = factory.CreateCounter("pier_worker_requests_total", "Requests forwarded to the worker (retries on another worker count there).", "service", "worker");
        _workerDuration = factory.CreateHistogram("pier_worker_request_duration_seconds", "Time the worker took to answer a forwarded request.",
            new HistogramConfiguration { LabelNames = ["service", "worker"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        _workerInFlight = factory.CreateGauge("pier_worker_requests_in_flight", "Requests the worker is answering now.", "service", "worker");
        _workerCpu = factory.CreateGauge("pier_worker_cpu_percent", "CPU of the worker's process tree, percent of one core.", "service", "worker");
        _workerMemory = factory.CreateGauge("pier_worker_memory_bytes", "Memory of the worker's process tree (PSS where readable, else RSS).", "service", "worker");
        _workerRestarts = factory.CreateGauge("pier_worker_restarts", "Times the worker slot was restarted after its process ended.", "service", "worker");
        _workerReady = factory.CreateGauge("pier_worker_ready", "1 when the worker is ready (HTTP) or running (background), else 0.", "service", "worker");
        _hostCpu = factory.CreateGauge("pier_host_cpu_percent", "Busy share of all cores of the host.");
        _hostMemoryAvailable = factory.CreateGauge("pier_host_memory_available_bytes", "MemAvailable of the host.");
        _hostMemoryTotal = factory.CreateGauge("pier_host_memory_total_bytes", "MemTotal of the host.");
    }

    public void RequestStarted(string service) => Service(service).Started();

    /// <summary>Requests the front door answered for a service since Pier started, and the 5xx among them.</summary>
    public (long Requests, long ServerErrors) Answered(string service)
    {
        var (requests, serverErrors) = (0L, 0L);
        foreach (var labels in _requests.GetAllLabelValues())
        {
            if (labels[0] != service)
                continue;
            var count = (long)_requests.WithLabels(labels).Value;
            requests += count;
            if (labels[1] == "5xx")
                serverErrors += count;
        }
        return (requests, serverErrors);
    }

    /// <summary>Requests the front door has answered since Pier started, all services together.</summary>
    public long RequestsAnswered => Interlocked.Read(ref _answered);

    public void RequestFinished(string service, int statusCode, TimeSpan elapsed) => Service(service).Finished(statusCode, elapsed);

    /// <summary>Counts one forwarding attempt to one worker; dispose the result when it is answered.</summary>
    public WorkerRequest StartWorkerRequest(string service, string worker) => new(Worker(service, worker), System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>
    /// A service's request series, made once: prometheus-net's WithLabels takes a lock and allocates on every
    /// call, which a request would pay several times. Services are never removed, so neither are these.
    /// </summary>
    public ServiceSeries Service(string service) => _services.GetOrAdd(service, name => new ServiceSeries(this, name));

    /// <summary>A worker's request series, for a caller that keeps them (see <see cref="Service"/>).</summary>
    public WorkerSeries Worker(string service, string worker) => new(this, service, worker);

    internal sealed class ServiceSeries
    {
        private readonly PierMetrics _metrics;
        private readonly Gauge.Child _inFlight;
        private readonly Counter.Child[] _byClass;
        private readonly Histogram.Child _duration;

        internal ServiceSeries(PierMetrics metrics, string service)
        {
            _metrics = metrics;
            _inFlight = metrics._inFlight.WithLabels(service);
            _byClass = StatusClasses.Select(c => metrics._requests.WithLabels(service, c)).ToArray();
            _duration = metrics._duration.WithLabels(service);
        }

        public void Started() => _inFlight.Inc();

        public void Finished(int statusCode, TimeSpan elapsed)
        {
            Interlocked.Increment(ref _metrics._answered);
            _inFlight.Dec();
            _byClass[Math.Clamp(statusCode / 100 - 1, 0, 4)].Inc();
            _duration.Observe(elapsed.TotalSeconds);
        }
    }

    internal sealed class WorkerSeries
    {
        internal WorkerSeries(PierMetrics metrics, string service, string worker)
        {
            InFlight = metrics._workerInFlight.WithLabels(service, worker);
            Requests = metrics._workerRequests.WithLabels(service, worker);
            Duration = metrics._workerDuration.WithLabels(service, worker);
        }

        internal Gauge.Child InFlight { get; }

        internal Counter.Child Requests { get; }

        internal Histogram.Child Duration { get; }
    }

    internal readonly struct WorkerRequest : IDisposable
    {
        private readonly WorkerSeries _series;
        private readonly long _started;

        public WorkerRequest(WorkerSeries series, long started)
        {
            (_series, _started) = (series, started);
            series.InFlight.Inc();
        }

        public void Dispose()
        {
            _series.InFlight.Dec();
            _series.Requests.Inc();
            _series.Duration.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalSeconds);
        }
    }

    /// <summary>Replaces the worker and host gauges with one sample; workers that are gone lose their series.</summary>
    public void Update(UsageSnapshot usage, IEnumerable<WorkerStatus> workers)
    {
        var current = new HashSet<(string, string)>();
        foreach (var status in workers)
        {
            var labels = (status.Service, status.Id);
            if (!current.Add(labels))
                continue;
            var ready = status.State is WorkerState.Ready or WorkerState.Running;
            _workerReady.WithLabels(status.Service, status.Id).Set(ready ? 1 : 0);
            _workerRestarts.WithLabels(status.Service, status.Id).Set(status.Restarts);
            if (status.Pid is { } pid && usage.Workers.TryGetValue(pid, out var use))
            {
                _workerCpu.WithLabels(status.Service, status.Id).Set(use.CpuPercent);
                _workerMemory.WithLabels(status.Service, status.Id).Set(use.MemoryBytes);
            }
        }
        foreach (var (service, worker) in _workers.Where(w => !current.Contains(w)))
        {
            foreach (var gauge in new[] { _workerReady, _workerRestarts, _workerCpu, _workerMemory, _workerInFlight })
                gauge.RemoveLabelled(service, worker);
            _workerRequests.RemoveLabelled(service, worker);
            _workerDuration.RemoveLabelled(service, worker);
        }
        _workers = current;
        _hostCpu.Set(usage.Host.CpuPercent);
        _hostMemoryAvailable.Set(usage.Host.MemoryAvailableBytes);
        _hostMemoryTotal.Set(usage.Host.MemoryTotalBytes);
    }

    public Task WriteAsync(Stream destination, CancellationToken cancellation) =>
        _registry.CollectAndExportAsTextAsync(destination, cancellation);
}
