using System.Net;
using Pier.Configuration;
using Pier.Kestrel;
using Pier.Resources;

namespace Pier.Control;

/// <summary>
/// The admin listener (default 127.0.0.1:9180): Prometheus metrics at /metrics and the control
/// API at /api/v1/… behind the bearer token. Loopback unless configured otherwise; its own Kestrel
/// instance, so it is never reachable through the front door.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    public AdminServer(AdminConfig admin, PierMetrics metrics, ControlApi api, AdminToken token)
    {
        var builder = KestrelHost.CreateBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(admin.Address), admin.Port));
        _app = builder.Build();
        _app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? "";
            var isMetrics = path == "/metrics" && HttpMethods.IsGet(context.Request.Method);
            var isApi = path.StartsWith("/api/", StringComparison.Ordinal);
            if ((isApi || (isMetrics && !admin.MetricsOpen)) && admin.RequireToken && !token.Accepts(context.Request.Headers.Authorization))
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
        });
    }

    public Task StartAsync(CancellationToken cancellation) => _app.StartAsync(cancellation);

    /// <summary>Starts the admin listener; null when the default port is taken (Pier runs without /metrics), while a configured one that is taken throws.</summary>
    public static async Task<AdminServer?> StartOrSkipAsync(AdminConfig admin, PierMetrics metrics, ControlApi api, AdminToken token, Action<string> say,
        CancellationToken cancellation)
    {
        var server = new AdminServer(admin, metrics, api, token);
        try
        {
            await server.StartAsync(cancellation);
            say($"admin on http://{admin.Address}:{admin.Port}/ (metrics at /metrics, API at /api/v1/)");
            return server;
        }
        catch (IOException e)
        {
            await server.DisposeAsync();
            if (admin.Explicit)
                throw;
            say($"admin listener {admin.Address}:{admin.Port} is not available ({e.Message}); /metrics is off. Set `admin: {{ listen: ADDRESS:PORT }}` to choose another");
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
