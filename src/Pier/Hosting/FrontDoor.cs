using Pier.Certificates;
using Pier.Configuration;
using Pier.Resources;
using Pier.Routing;
using Pier.Routing.FastLane;
using Pier.Routing.Kestrel;
using Pier.Supervision;

namespace Pier.Hosting;

/// <summary>
/// The public listeners: both lanes, and the order they start and stop in. The <see cref="Routing.FastLane.FastLane"/> (event
/// loops that forward bodiless HTTP/1.1 requests themselves) takes the HTTPS port, terminating TLS itself, or the plain-HTTP
/// port when Pier serves no HTTPS; whatever it does not take reaches the <see cref="KestrelLane"/> through its internal
/// sockets. Beside HTTPS, Kestrel keeps the plain-HTTP port (ACME challenges and redirects).
/// </summary>
internal sealed class FrontDoor : IAsyncDisposable
{
    private readonly KestrelLane _kestrel;
    private readonly ListenConfig _listen;
    private readonly FastLaneContext? _fastLaneContext;
    private Routing.FastLane.FastLane? _fastLane;

    /// <param name="certificates">With HTTPS: the HTTPS listener serves its certificates, and the HTTP listener
    /// answers ACME challenges and redirects everything else to HTTPS.</param>
    /// <param name="sockets">Resolves the destinations of workers on Unix sockets.</param>
    /// <param name="logFailure">Told of every request that workers failed, with what went wrong on each attempt.</param>
    /// <param name="fastLaneSocket">Where Kestrel listens for what the fast lane passes on (with HTTPS, a second socket
    /// beside it, with "-tls" in its name, takes the TLS hellos the fast lane leaves alone); null (or a path too long for a
    /// Unix socket) leaves the public ports to Kestrel.</param>
    public FrontDoor(ListenConfig listen, LiveRoutes routes, PierMetrics metrics, WorkerSockets sockets, Action<string> logFailure,
        CertificateManager? certificates = null, string? fastLaneSocket = null)
    {
        _listen = listen;
        var hsts = certificates?.Config.Hsts is { } maxAge ? $"max-age={(long)maxAge.TotalSeconds}" : null;
        var tlsSocket = fastLaneSocket is null ? null : Path.Combine(Path.GetDirectoryName(fastLaneSocket)!,
            Path.GetFileNameWithoutExtension(fastLaneSocket) + "-tls" + Path.GetExtension(fastLaneSocket));
        string? kestrelSocket = null, kestrelTlsSocket = null;
        if (fastLaneSocket is not null && (certificates is null || listen.HttpsPort is not null)
            && System.Text.Encoding.UTF8.GetByteCount(certificates is null ? fastLaneSocket : tlsSocket!) <= WorkerSockets.MaxPathLength)
        {
            kestrelSocket = fastLaneSocket;
            var kestrel = WorkerAddress.ForSocket(fastLaneSocket);
            if (certificates is null)
                _fastLaneContext = new FastLaneContext(routes, metrics, logFailure, kestrel);
            else
            {
                kestrelTlsSocket = tlsSocket;
                _fastLaneContext = new FastLaneContext(routes, metrics, logFailure, kestrel,
                    new TlsTermination(certificates.Store, hsts, logFailure), WorkerAddress.ForSocket(tlsSocket!));
            }
        }
        _kestrel = new KestrelLane(listen, routes, metrics, sockets, logFailure, certificates, hsts, kestrelSocket, kestrelTlsSocket);
    }

    /// <exception cref="IOException">A public port cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellation)
    {
        await _kestrel.StartAsync(cancellation);
        if (_fastLaneContext is not null)
            _fastLane = Routing.FastLane.FastLane.Start(_listen, _fastLaneContext);
    }

    /// <summary>
    /// Stops accepting and waits for requests in flight, up to <paramref name="drainTimeout"/>: the fast lane's first, while
    /// Kestrel still takes what the fast lane hands on, then Kestrel's.
    /// </summary>
    /// <param name="drainTimeout">The longest stop timeout of the config that holds now: a reload may have raised it.</param>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        var fastLane = _fastLane;
        _fastLane = null;
        if (fastLane is not null)
            await fastLane.DrainAsync(drainTimeout);
        using (var deadline = new CancellationTokenSource(drainTimeout))
            await _kestrel.StopAsync(deadline.Token);
        if (fastLane is not null)
            await fastLane.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        await _kestrel.DisposeAsync();
    }
}
