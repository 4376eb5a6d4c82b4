using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using Pier.Resources;
using Pier.Supervision;
using Yarp.ReverseProxy.Forwarder;

namespace Pier.Routing.Kestrel;

/// <summary>
/// The Kestrel lane's way to the workers: a routing snapshot picks the service and worker, and YARP's forwarder sends the
/// request. A failed attempt goes to <see cref="RetryRule"/>, as in the fast lane, so a dying worker costs the client
/// nothing; with no ready worker the answer is a quick 503 with Retry-After, never a hang.
/// </summary>
internal sealed class WorkerForwarder : IDisposable
{
    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = FrontDoorLimits.ActivityTimeout };

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly HttpMessageInvoker _socketClient;
    private readonly LiveRoutes _routes;
    private readonly PierMetrics _metrics;
    private readonly Action<string> _logFailure;

    /// <param name="sockets">Resolves the destinations of workers on Unix sockets.</param>
    /// <param name="logFailure">Told of every request that workers failed, with what went wrong on each attempt.</param>
    public WorkerForwarder(IHttpForwarder forwarder, LiveRoutes routes, PierMetrics metrics, WorkerSockets sockets, Action<string> logFailure)
    {
        _forwarder = forwarder;
        _routes = routes;
        _metrics = metrics;
        _logFailure = logFailure;
        _client = new HttpMessageInvoker(Handler());
        var socketHandler = Handler();
        socketHandler.ConnectCallback = sockets.ConnectAsync;
        _socketClient = new HttpMessageInvoker(socketHandler);
    }

    private static SocketsHttpHandler Handler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = null,
        ConnectTimeout = FrontDoorLimits.ConnectTimeout,
        PlaintextStreamFilter = RequestDelivery.Filter,
    };

    public async Task ForwardAsync(HttpContext context)
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
        for (var attempt = 0; ; attempt++)
        {
            // A retry picks among the workers in rotation now: a request that a hung worker held for seconds
            // would otherwise be retried on workers that have died and been replaced meanwhile.
            var destinations = attempt == 0 ? route.Destinations : _routes.Current.Match(context.Request.Host.Value ?? "")?.Destinations ?? [];
            var now = Stopwatch.GetTimestamp();
            var destination = PowerOfTwoChoices.Pick(destinations, failed?.Tried, now);
            if (destination is null)
                break;

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
            var result = new AttemptResult
            {
                Failure = FailureOf(context, error, refused),
                Sent = delivery.Sent,
                Resent = delivery.Resent,
                ResponseBegun = context.Response.HasStarted,
                IdempotentWithoutBody = IsIdempotentWithoutBody(context),
                WorkerRetiring = destination.IsRetiring,
                WorkersBroken = failed.Broken,
                AttemptsLeft = RetryRule.MaxAttempts - attempt - 1,
            };
            var verdict = RetryRule.After(result);
            if (verdict.Step == RetryStep.AskWhetherWorkerDied)
                verdict = RetryRule.After(result with { WorkerDied = await destination.DiesWithinAsync(RetryRule.ResetGrace) });
            if (verdict.Step != RetryStep.TryAnotherWorker)
            {
                // YARP has set the answer: 502, 504 after a timeout, or the client's connection cut when the answer had begun.
                LogFailure(context, failed, verdict.Reason!);
                return;
            }
            failed.Retrying(destination, verdict.BrokeWorker);
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
        LogFailure(context, failed, RetryRule.NoOtherWorker);
    }

    /// <summary>
    /// YARP's errors in the rule's terms. Only a failure to connect, to send the request or to read the answer (whose head a
    /// worker may send apart from its body, as uvicorn does) may be retried: a timeout, the client's side or a body half-sent never.
    /// </summary>
    private static AttemptFailure FailureOf(HttpContext context, ForwarderError error, bool refused) =>
        error is not (ForwarderError.Request or ForwarderError.ResponseBodyDestination) ? AttemptFailure.NeverRetried
        : refused ? AttemptFailure.Refused
        : HasSocketError(context, SocketError.ConnectionReset) ? AttemptFailure.Reset
        : AttemptFailure.Closed;

    private static bool IsIdempotentWithoutBody(HttpContext context)
    {
        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        var method = context.Request.Method;
        return !canHaveBody && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            || HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method));
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

    public void Dispose()
    {
        _client.Dispose();
        _socketClient.Dispose();
    }
}
