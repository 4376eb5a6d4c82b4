using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Pier.Certificates;
using Pier.Configuration;
using Pier.Kestrel;
using Pier.Resources;
using Pier.Supervision;
using Yarp.ReverseProxy.Forwarder;

namespace Pier.Routing;

/// <summary>
/// The public listeners. The <see cref="FastLane.FastLane"/> (event loops that forward bodiless HTTP/1.1
/// requests themselves) takes the HTTPS port, terminating TLS itself, or the plain-HTTP port when Pier
/// serves no HTTPS; whatever it does not take reaches Kestrel through its internal sockets. Beside HTTPS,
/// Kestrel keeps the plain-HTTP port (ACME challenges and redirects). Here a routing snapshot picks the service and worker, and YARP's forwarder sends the request. A request that could not reach a worker is retried on another when
/// that is safe, so a dying worker costs the client nothing; with no ready worker the answer is a
/// quick 503 with Retry-After, never a hang.
/// </summary>
internal sealed class FrontDoor : IAsyncDisposable
{
    /// <summary>
    /// Slowloris: 10 s for a whole header section (Kestrel's default is 30 s), like HAProxy's recommended
    /// "timeout http-request 10s". The fast lane keeps the same.
    /// </summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Between requests on a kept-alive client connection: Kestrel's default, which the fast lane keeps too.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(130);

    /// <summary>A worker silent this long during a request gets it a 504.</summary>
    public static readonly TimeSpan ActivityTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Connecting to a worker or upstream.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = ActivityTimeout };

    private readonly WebApplication _app;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly HttpMessageInvoker _socketClient;
    private readonly PierMetrics _metrics;
    private readonly Action<string> _logFailure;
    private readonly CertificateManager? _certificates;
    private readonly int? _httpsPort;
    private readonly string? _hsts;
    private readonly ListenConfig _listen;
    private readonly string? _fastLaneSocket;
    private readonly string? _fastLaneTlsSocket;
    private readonly FastLane.FastLaneContext? _fastLaneContext;
    private FastLane.FastLane? _fastLane;
    private readonly LiveRoutes _routes;

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
        _routes = routes;
        _listen = listen;
        _hsts = certificates?.Config.Hsts is { } hsts ? $"max-age={(long)hsts.TotalSeconds}" : null;
        var tlsSocket = fastLaneSocket is null ? null : Path.Combine(Path.GetDirectoryName(fastLaneSocket)!,
            Path.GetFileNameWithoutExtension(fastLaneSocket) + "-tls" + Path.GetExtension(fastLaneSocket));
        if (fastLaneSocket is not null && (certificates is null || listen.HttpsPort is not null)
            && System.Text.Encoding.UTF8.GetByteCount(certificates is null ? fastLaneSocket : tlsSocket!) <= WorkerSockets.MaxPathLength)
        {
            _fastLaneSocket = fastLaneSocket;
            var kestrel = FastLane.WorkerAddress.ForSocket(fastLaneSocket);
            if (certificates is null)
                _fastLaneContext = new FastLane.FastLaneContext(routes, metrics, logFailure, kestrel);
            else
            {
                _fastLaneTlsSocket = tlsSocket;
                _fastLaneContext = new FastLane.FastLaneContext(routes, metrics, logFailure, kestrel,
                    new FastLane.TlsTermination(certificates.Store, _hsts, logFailure), FastLane.WorkerAddress.ForSocket(tlsSocket!));
            }
        }
        _metrics = metrics;
        _logFailure = logFailure;
        _certificates = certificates;
        _httpsPort = certificates is null ? null : listen.HttpsPort;
        var builder = KestrelHost.CreateBuilder();
        // The drain's deadline is StopAsync's: the config that holds at shutdown gives it, not the one at start.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddHttpForwarder();
        // Kestrel's default first reads zero bytes to learn that data is there, then reads it: one
        // extra recv(2) per request. A proxy's connections are busy, so a buffer per connection is the
        // cheaper side (bench/proxy.sh: 10–20% more requests per CPU-second).
        builder.Services.Configure<SocketTransportOptions>(o => o.WaitForDataBeforeAllocatingBuffer = false);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A slow body is cut by Kestrel's MinRequestBodyDataRate (240 B/s after 5 s).
            kestrel.Limits.RequestHeadersTimeout = RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = KeepAliveTimeout;
            if (_fastLaneSocket is not null)
            {
                File.Delete(_fastLaneSocket);
                kestrel.ListenUnixSocket(_fastLaneSocket, o =>
                {
                    o.Protocols = HttpProtocols.Http1AndHttp2;
                    o.Use(FastLane.TunnelPreamble.Middleware);
                });
            }
            if (_fastLaneSocket is null || certificates is not null)
            {
                if (listen.HttpAddress is null)
                    kestrel.ListenAnyIP(listen.HttpPort, o => o.Protocols = HttpProtocols.Http1AndHttp2);
                else
                    kestrel.Listen(IPAddress.Parse(listen.HttpAddress), listen.HttpPort, o => o.Protocols = HttpProtocols.Http1AndHttp2);
            }
            if (_fastLaneTlsSocket is not null)
            {
                File.Delete(_fastLaneTlsSocket);
                kestrel.ListenUnixSocket(_fastLaneTlsSocket, o =>
                {
                    o.Use(FastLane.TunnelPreamble.Middleware);
                    ConfigureHttps(o, certificates!);
                });
            }
            else if (certificates is not null && _httpsPort is { } httpsPort)
            {
                if (listen.HttpsAddress is null)
                    kestrel.ListenAnyIP(httpsPort, o => ConfigureHttps(o, certificates));
                else
                    kestrel.Listen(IPAddress.Parse(listen.HttpsAddress), httpsPort, o => ConfigureHttps(o, certificates));
            }
        });
        _app = builder.Build();
        _forwarder = _app.Services.GetRequiredService<IHttpForwarder>();
        _client = new HttpMessageInvoker(Handler());
        var socketHandler = Handler();
        socketHandler.ConnectCallback = sockets.ConnectAsync;
        _socketClient = new HttpMessageInvoker(socketHandler);
        _app.Run(certificates is null ? ForwardAsync : HandleWithHttpsAsync);
    }

    private static SocketsHttpHandler Handler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = null,
        ConnectTimeout = ConnectTimeout,
        PlaintextStreamFilter = RequestDelivery.Filter,
    };

    private static void ConfigureHttps(ListenOptions options, CertificateManager certificates)
    {
        options.Protocols = HttpProtocols.Http1AndHttp2;
        // Before TLS: it peeks at the ClientHello so that only ACME validators see challenge certificates.
        options.Use(AcmeTlsAlpnDetector.Middleware);
        options.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = certificates.Selector.SelectAsync,
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
    }

    /// <exception cref="IOException">A public port cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellation)
    {
        await _app.StartAsync(cancellation);
        if (_fastLaneContext is not null)
            _fastLane = FastLane.FastLane.Start(_listen, _fastLaneContext);
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
            await _app.StopAsync(deadline.Token);
        if (fastLane is not null)
            await fastLane.StopAsync();
    }

    /// <summary>
    /// HTTPS requests go to the workers with HSTS; plain HTTP is redirected (308 keeps the method and
    /// body), except the ACME HTTP-01 path, which must stay reachable over HTTP.
    /// </summary>
    private Task HandleWithHttpsAsync(HttpContext context)
    {
        if (context.Request.IsHttps)
        {
            if (_hsts is not null)
                context.Response.Headers.StrictTransportSecurity = _hsts;
            return ForwardAsync(context);
        }

        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith(ChallengeResponder.Http01Prefix, StringComparison.Ordinal))
        {
            var answer = _certificates!.Challenges.Http01(path[ChallengeResponder.Http01Prefix.Length..]);
            context.Response.StatusCode = answer is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync(answer ?? "no such ACME challenge\n");
        }

        var host = context.Request.Host.HasValue ? context.Request.Host.Host : _certificates!.Config.Domains.FirstOrDefault() ?? "localhost";
        var target = UriHelper.BuildAbsolute("https", _httpsPort == ListenConfig.DefaultHttpsPort ? new HostString(host) : new HostString(host, _httpsPort!.Value),
            context.Request.PathBase, context.Request.Path, context.Request.QueryString);
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = target;
        return Task.CompletedTask;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var route = _routes.Current.Match(context.Request.Host.Value ?? "");
        if (route is null)
        {
            await RespondUnavailable(context, "no service is ready for this host");
            return;
        }

        var started = Stopwatch.GetTimestamp();
        _metrics.RequestStarted(route.Service);
        try
        {
            await ForwardToRouteAsync(context, route);
        }
        finally
        {
            _metrics.RequestFinished(route.Service, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task ForwardToRouteAsync(HttpContext context, ServiceRoute route)
    {
        FailedAttempts? failed = null;
        var gaveUp = FailedAttempts.NoAttemptLeft;
        for (var attempt = 0; attempt < FailedAttempts.MaxAttempts; attempt++)
        {
            // A retry picks among the workers in rotation now: a request that a hung worker held for seconds
            // would otherwise be retried on workers that have died and been replaced meanwhile.
            var destinations = attempt == 0 ? route.Destinations : _routes.Current.Match(context.Request.Host.Value ?? "")?.Destinations ?? [];
            var now = Stopwatch.GetTimestamp();
            var destination = PowerOfTwoChoices.Pick(destinations, failed?.Tried, now);
            if (destination is null)
            {
                gaveUp = FailedAttempts.NoOtherWorker;
                break;
            }

            destination.Begin();
            var delivery = RequestDelivery.Watch();
            ForwarderError error;
            try
            {
                using var measured = _metrics.StartWorkerRequest(route.Service, destination.WorkerId);
                error = await _forwarder.SendAsync(context, destination.Prefix, destination.ViaUnixSocket ? _socketClient : _client, RequestConfig,
                    ForwardedHeadersTransformer.Instance);
            }
            finally
            {
                destination.End();
            }
            if (error == ForwarderError.None)
                return;

            // Refused: the worker is dying or dead. If nothing was sent, the app never saw the request.
            var refused = HasSocketError(context, SocketError.ConnectionRefused);
            if (refused)
                destination.MarkRefused(now);
            failed ??= new FailedAttempts();
            failed.Note(destination, Describe(context, error, delivery.Sent, refused), Stopwatch.GetElapsedTime(now));
            if (context.Response.HasStarted)
            {
                LogFailure(context, failed, FailedAttempts.ResponseBegun);
                return;
            }
            var unseen = refused && !delivery.Sent;
            // Two breaks are not the request's doing: a worker that Pier was stopping meanwhile (a hung one,
            // say), and a reset of the first connection it was written to by a worker that lives on: the
            // kernel's answer when a worker closes an idle connection with the request unread. A worker that
            // dies resets too. (After a re-send, a reset says only that the listener closed.)
            var notTheRequest = unseen || destination.IsRetiring
                || (!delivery.Resent && HasSocketError(context, SocketError.ConnectionReset) && !await destination.DiesWithinAsync(FailedAttempts.ResetGrace));
            if (failed.Refusal(CanRetry(context, error, unseen), notTheRequest) is { } refusal)
            {
                LogFailure(context, failed, refusal);
                return;
            }
            failed.Tried.Add(destination);
            // Undo what the failed attempt set, so the next one starts clean.
            context.Features.Set<IForwarderErrorFeature?>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
        }

        if (failed is null)
        {
            await RespondUnavailable(context, $"no worker of service '{route.Service}' is ready");
            return;
        }
        context.Response.StatusCode = StatusCodes.Status502BadGateway;
        LogFailure(context, failed, gaveUp);
    }

    /// <summary>A client that went away is no news for the operator; a worker that failed a request is.</summary>
    private void LogFailure(HttpContext context, FailedAttempts failed, string why)
    {
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error;
        if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyClient
            or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient)
            return;
        _logFailure(failed.Line(context.Request.Method, $"{context.Request.Host}{context.Request.Path}", context.Response.StatusCode, why));
    }


    /// <summary>What went wrong with one attempt, in the words an operator looks for in a proxy's error log.</summary>
    private static string Describe(HttpContext context, ForwarderError error, bool sent, bool refused)
    {
        if (refused)
            return FailedAttempts.Refused(sent);
        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        var cause = exception;
        while (cause?.InnerException is not null)
            cause = cause.InnerException;
        var detail = cause is null ? "" : cause == exception ? $": {cause.Message}" : $": {exception!.Message} ({cause.Message})";
        return $"{error}{detail}, {(sent ? "after the request was sent" : "before the request was sent")}";
    }

    /// <summary>
    /// A connection refused before the request was sent never reached the app, so any request may go elsewhere. Any other failure
    /// before a response is retried only for an idempotent request without a body. A worker that sent its head and died before
    /// its body (uvicorn writes them apart) failed before a response too: nothing has reached the client, whose response has not started.
    /// </summary>
    private static bool CanRetry(HttpContext context, ForwarderError error, bool unseen)
    {
        if (error is not (ForwarderError.Request or ForwarderError.ResponseBodyDestination))
            return false;
        if (unseen)
            return true;
        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        return !canHaveBody && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || HttpMethods.IsOptions(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method)
            || HttpMethods.IsPut(context.Request.Method) || HttpMethods.IsDelete(context.Request.Method));
    }

    private static bool HasSocketError(HttpContext context, SocketError code)
    {
        for (var e = context.Features.Get<IForwarderErrorFeature>()?.Exception; e is not null; e = e.InnerException)
            if (e is SocketException socket && socket.SocketErrorCode == code)
                return true;
        return false;
    }

    private static Task RespondUnavailable(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        await _app.DisposeAsync();
        if (_fastLaneSocket is not null)
            File.Delete(_fastLaneSocket);
        if (_fastLaneTlsSocket is not null)
            File.Delete(_fastLaneTlsSocket);
        _client.Dispose();
        _socketClient.Dispose();
    }
}
