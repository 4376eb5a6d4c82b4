using System.Text.Json;
using Pier.Certificates;
using Pier.Hosting;

namespace Pier.Control;

/// <summary>
/// The control socket: HTTP over a Unix socket in the state directory, mode 0600 so that only the
/// owner (or root) can reach it. The CLI finds a running Pier through it. A separate listener from
/// the front door, so nothing of the control API can ever be reached from the public port.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    public const string SocketName = "pier.sock";

    private readonly WebApplication _app;
    private readonly string _socketPath;

    /// <param name="certificates">What `pier certs` shows; null when the config has no HTTPS.</param>
    public ControlServer(string stateDirectory, Func<StatusReport> status, Func<IReadOnlyList<CertificateReport>>? certificates = null)
    {
        _socketPath = Path.Combine(stateDirectory, SocketName);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.ListenUnixSocket(_socketPath));
        _app = builder.Build();
        _app.Run(async context =>
        {
            switch (context.Request.Method, context.Request.Path.Value)
            {
                case ("GET", "/v1/status"):
                    context.Response.ContentType = "application/json";
                    await JsonSerializer.SerializeAsync(context.Response.Body, status(), ControlJson.Options);
                    break;
                case ("GET", "/v1/certs"):
                    context.Response.ContentType = "application/json";
                    await JsonSerializer.SerializeAsync(context.Response.Body, certificates?.Invoke() ?? [], ControlJson.Options);
                    break;
                default:
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    await context.Response.WriteAsync($"unknown control request {context.Request.Method} {context.Request.Path}\n");
                    break;
            }
        });
    }

    public async Task StartAsync(CancellationToken cancellation)
    {
        if (File.Exists(_socketPath))
            File.Delete(_socketPath);
        await _app.StartAsync(cancellation);
        File.SetUnixFileMode(_socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_socketPath);
    }
}
