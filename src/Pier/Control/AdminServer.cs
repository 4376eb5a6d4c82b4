using System.Net;
using Pier.Configuration;
using Pier.Hosting;
using Pier.Resources;

namespace Pier.Control;

/// <summary>
/// The admin listener (default 127.0.0.1:9180): Prometheus metrics at /metrics. Loopback unless
/// configured otherwise; its own Kestrel instance, so it is never reachable through the front door.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    public AdminServer(AdminConfig admin, PierMetrics metrics)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Parse(admin.Address), admin.Port));
        _app = builder.Build();
        _app.Run(async context =>
        {
            if (context.Request.Path == "/metrics" && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics.WriteAsync(context.Response.Body, context.RequestAborted);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync("the admin listener serves /metrics\n");
        });
    }

    public Task StartAsync(CancellationToken cancellation) => _app.StartAsync(cancellation);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
