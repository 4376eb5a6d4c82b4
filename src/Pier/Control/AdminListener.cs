using Pier.Configuration;
using Pier.Resources;

namespace Pier.Control;

/// <summary>
/// What the admin listener (default 127.0.0.1:9180) answers: Prometheus metrics at /metrics, the
/// dashboard, and the control API at /api/v1/… behind the bearer token. It is served by the
/// <see cref="ControlServer"/>'s Kestrel, never by the front door's, so the public port cannot reach it.
/// </summary>
internal sealed class AdminListener(AdminConfig config, PierMetrics metrics, ControlApi api, AdminToken token)
{
    public AdminConfig Config { get; } = config;

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var isMetrics = path == "/metrics" && HttpMethods.IsGet(context.Request.Method);
        var isApi = path.StartsWith("/api/", StringComparison.Ordinal);
        if ((isApi || (isMetrics && !Config.MetricsOpen)) && Config.RequireToken && !token.Accepts(context.Request.Headers.Authorization))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsync("a bearer token is needed: `pier dashboard` prints it, or read admin.token in the state directory\n");
            return;
        }
        if (isMetrics)
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted);
            return;
        }
        if (DashboardAssets.TryServe(context, path, out var page))
        {
            await page;
            return;
        }
        if (isApi && api.TryHandle(context, path[4..], out var handled))
        {
            await handled;
            return;
        }
        await ControlApi.NotFound(context);
    }
}
