using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Pier.Configuration;
using Pier.Hosting;
using Pier.Resources;
using Yarp.ReverseProxy.Forwarder;

namespace Pier.Routing;

/// <summary>
/// The public listener: Kestrel accepts, a routing snapshot picks the service and worker, and YARP's
/// forwarder sends the request. A request that could not reach a worker is retried on another when
/// that is safe, so a dying worker costs the client nothing; with no ready worker the answer is a
/// quick 503 with Retry-After, never a hang.
/// </summary>
internal sealed class FrontDoor : IAsyncDisposable
{
    private const int MaxAttempts = 3;

    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromMinutes(5) };

    private readonly WebApplication _app;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly PierMetrics _metrics;
    private volatile RoutingTable _table = RoutingTable.Empty;

    public FrontDoor(ListenConfig listen, TimeSpan drainTimeout, PierMetrics metrics)
    {
        _metrics = metrics;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = drainTimeout);
        builder.Services.AddHttpForwarder();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (listen.HttpAddress is null)
                kestrel.ListenAnyIP(listen.HttpPort, o => o.Protocols = HttpProtocols.Http1AndHttp2);
            else
                kestrel.Listen(IPAddress.Parse(listen.HttpAddress), listen.HttpPort, o => o.Protocols = HttpProtocols.Http1AndHttp2);
        });
        _app = builder.Build();
        _forwarder = _app.Services.GetRequiredService<IHttpForwarder>();
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });
        _app.Run(ForwardAsync);
    }

    /// <summary>Swaps in a new snapshot; requests already routed finish where they are.</summary>
    public void Update(RoutingTable table) => _table = table;

    public Task StartAsync(CancellationToken cancellation) => _app.StartAsync(cancellation);

    /// <summary>Stops accepting and waits for requests in flight, up to the drain timeout.</summary>
    public Task StopAsync() => _app.StopAsync();

    private async Task ForwardAsync(HttpContext context)
    {
        var route = _table.Match(context.Request.Host.Value ?? "");
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
        List<Destination>? failed = null;
        var brokenAttempts = 0;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var now = Stopwatch.GetTimestamp();
            var destination = PowerOfTwoChoices.Pick(route.Destinations, failed, now);
            if (destination is null)
                break;

            destination.Begin();
            ForwarderError error;
            try
            {
                error = await _forwarder.SendAsync(context, destination.Prefix, _client, RequestConfig, ForwardedHeadersTransformer.Instance);
            }
            finally
            {
                destination.End();
            }
            if (error == ForwarderError.None || context.Response.HasStarted)
                return;

            var refused = IsConnectionRefused(context);
            if (refused)
                destination.MarkRefused(now);
            // A request that broke a worker mid-way is tried on one other worker only: if the request
            // itself is what kills workers, it must not take the whole pool down.
            if (!CanRetry(context, error, refused) || (!refused && brokenAttempts++ > 0))
                return;
            (failed ??= []).Add(destination);
            // Undo what the failed attempt set, so the next one starts clean.
            context.Features.Set<IForwarderErrorFeature?>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
        }

        if (failed is null)
            await RespondUnavailable(context, $"no worker of service '{route.Service}' is ready");
        else
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
    }

    /// <summary>
    /// A refused connection never reached the app, so any request may go elsewhere. Any other failure
    /// before a response is retried only for an idempotent request without a body.
    /// </summary>
    private static bool CanRetry(HttpContext context, ForwarderError error, bool refused)
    {
        if (error != ForwarderError.Request)
            return false;
        if (refused)
            return true;
        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        return !canHaveBody && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || HttpMethods.IsOptions(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method)
            || HttpMethods.IsPut(context.Request.Method) || HttpMethods.IsDelete(context.Request.Method));
    }

    private static bool IsConnectionRefused(HttpContext context)
    {
        for (var e = context.Features.Get<IForwarderErrorFeature>()?.Exception; e is not null; e = e.InnerException)
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
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
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
