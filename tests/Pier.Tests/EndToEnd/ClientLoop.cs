using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// A bounded load on the front door: a few clients sending GETs back to back until stopped (or a
/// time limit), counting requests, timing each one and recording every failure with its reason.
/// </summary>
internal sealed class ClientLoop : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private readonly CancellationTokenSource _stop = new(Limit);
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<TimeSpan> _latencies = new();
    private readonly Task[] _clients;
    private long _sent;

    /// <param name="timeout">How long one request may take before it counts as failed.</param>
    public ClientLoop(int port, int clients = 4, string path = "/", TimeSpan? timeout = null)
    {
        _clients = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            using var client = Loopback.Client(port, timeout);
            while (!_stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.GetAsync(path);
                    if (response.StatusCode != HttpStatusCode.OK)
                        _failures.Enqueue($"status {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Stopping does not cancel a request in flight, so a failure here is always real.
                    _failures.Enqueue($"{e.Message} after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0}s");
                }
                _latencies.Enqueue(Stopwatch.GetElapsedTime(started));
                Interlocked.Increment(ref _sent);
            }
        })).ToArray();
    }

    public long Sent => Interlocked.Read(ref _sent);

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>How long each request took, failed ones included.</summary>
    public IReadOnlyCollection<TimeSpan> Latencies => _latencies;

    /// <summary>Stops the clients and returns what was sent; the caller asserts on <see cref="Failures"/>.</summary>
    public async Task<long> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
        return Sent;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
