using System.Text.Json;
using System.Threading.Channels;
using Pier.Certificates;
using Pier.Configuration;
using Pier.Replication;
using Pier.Resources;

namespace Pier.Control;

/// <summary>
/// The control protocol, version 1 (docs/control-protocol.md), shared by the control socket
/// (paths <c>/v1/…</c>) and the admin listener (<c>/api/v1/…</c>, behind the bearer token).
/// Reads answer JSON; reload, restart and scale stream <see cref="ControlEvent"/>s as NDJSON, the
/// last one carrying <c>ok</c>.
/// </summary>
/// <param name="certificates">What `pier certs` shows; empty without HTTPS.</param>
/// <param name="stop">`pier stop`: the same graceful stop as SIGTERM.</param>
internal sealed class ControlApi(Deployer deployer, StatusSource status, Func<IReadOnlyList<CertificateReport>> certificates, Action stop)
{
    /// <summary>Answers a request whose path, with its prefix removed, starts with /v1/; false when it is not one.</summary>
    public bool TryHandle(HttpContext context, string path, out Task handled)
    {
        var query = context.Request.Query;
        handled = (context.Request.Method, path) switch
        {
            ("GET", "/v1/status") => context.Response.WriteAsJsonAsync(status.Status(), ControlJson.Info<StatusReport>()),
            ("GET", "/v1/certs") => context.Response.WriteAsJsonAsync(certificates(), ControlJson.Info<IReadOnlyList<CertificateReport>>()),
            ("GET", "/v1/events") => Events(context),
            ("POST", "/v1/reload") => StreamAsync(context, (progress, token) => deployer.ReloadAsync(Text(query["service"]), progress, token)),
            ("POST", "/v1/restart") when Text(query["target"]) is { } target =>
                StreamAsync(context, (progress, token) => deployer.RestartAsync(target, progress, token)),
            ("POST", "/v1/scale") when Text(query["service"]) is { } service && int.TryParse(query["workers"], out var workers) && workers >= 0 =>
                StreamAsync(context, (progress, token) => deployer.ScaleAsync(service, workers, progress, token)),
            ("POST", "/v1/stop") => Stop(context),
            _ => null!,
        };
        return handled is not null;
    }

    public static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return context.Response.WriteAsync($"unknown control request {context.Request.Method} {context.Request.Path}{context.Request.QueryString}\n");
    }

    private Task Events(HttpContext context)
    {
        var query = context.Request.Query;
        DateTimeOffset? since = Text(query["since"]) is { } text && Duration.TryParse(text, out var span) ? DateTimeOffset.UtcNow - span : null;
        var limit = int.TryParse(query["n"], out var n) && n > 0 ? n : 100;
        var events = EventHistory.Read(deployer.File.StateDirectory, since, Text(query["service"]), limit);
        return context.Response.WriteAsJsonAsync(events, ControlJson.Info<IReadOnlyList<PierEvent>>());
    }

    private Task Stop(HttpContext context)
    {
        stop();
        return context.Response.WriteAsJsonAsync(new ControlEvent("stopping: draining requests in flight, then stopping workers", true), ControlJson.Info<ControlEvent>());
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrEmpty(value) ? null : value.ToString();

    /// <summary>
    /// Streams progress while the operation runs. The operation is not tied to the request: a client
    /// that goes away (Ctrl-C on `pier reload`) does not cancel a deploy half-way.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, Func<Action<string>, CancellationToken, Task<bool>> operation)
    {
        context.Response.ContentType = "application/x-ndjson";
        var events = Channel.CreateUnbounded<ControlEvent>();
        var run = Task.Run(async () =>
        {
            var ok = false;
            try
            {
                ok = await operation(message => events.Writer.TryWrite(new ControlEvent(message)), CancellationToken.None);
            }
            finally
            {
                // Whatever happened, the client gets its last line and is not left waiting.
                events.Writer.TryWrite(new ControlEvent(ok ? "ok" : "failed", ok));
                events.Writer.Complete();
            }
        });
        var clientGone = false;
        await foreach (var item in events.Reader.ReadAllAsync())
        {
            if (clientGone)
                continue;
            try
            {
                await context.Response.WriteAsync(ControlJson.Serialize(item, ControlJson.Line) + "\n");
                await context.Response.Body.FlushAsync();
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                clientGone = true;
            }
        }
        await run;
    }
}
