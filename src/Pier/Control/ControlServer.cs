using System.Text.Json;
using System.Threading.Channels;
using Pier.Hosting;

namespace Pier.Control;

/// <summary>
/// The control socket: HTTP over a Unix socket in the state directory, mode 0600 so that only the
/// owner (or root) can reach it. The CLI finds a running Pier through it. A separate listener from
/// the front door, so nothing of the control API can ever be reached from the public port.
/// </summary>
/// <remarks>
/// Protocol v1: <c>GET /v1/status</c> answers a <see cref="StatusReport"/>, <c>GET /v1/certs</c> the certificates; <c>POST /v1/reload[?service=S]</c>,
/// <c>POST /v1/restart?target=S|S.N</c> and <c>POST /v1/scale?service=S&amp;workers=N</c> stream
/// <see cref="ControlEvent"/>s as NDJSON, the last one with <c>ok</c>.
/// </remarks>
internal sealed class ControlServer : IAsyncDisposable
{
    public const string SocketName = "pier.sock";

    private readonly WebApplication _app;
    private readonly string _socketPath;
    private readonly PierHost _host;

    public ControlServer(string stateDirectory, PierHost host)
    {
        _host = host;
        _socketPath = Path.Combine(stateDirectory, SocketName);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.ListenUnixSocket(_socketPath));
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    private Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        return (context.Request.Method, context.Request.Path.Value) switch
        {
            ("GET", "/v1/status") => context.Response.WriteAsJsonAsync(_host.Status(), ControlJson.Options),
            ("GET", "/v1/certs") => context.Response.WriteAsJsonAsync(_host.Certificates(), ControlJson.Options),
            ("POST", "/v1/reload") => StreamAsync(context, (progress, token) => _host.ReloadAsync(Text(query["service"]), progress, token)),
            ("POST", "/v1/restart") when Text(query["target"]) is { } target =>
                StreamAsync(context, (progress, token) => _host.RestartAsync(target, progress, token)),
            ("POST", "/v1/scale") when Text(query["service"]) is { } service && int.TryParse(query["workers"], out var workers) && workers >= 0 =>
                StreamAsync(context, (progress, token) => _host.ScaleAsync(service, workers, progress, token)),
            _ => NotFound(context),
        };
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrEmpty(value) ? null : value.ToString();

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return context.Response.WriteAsync($"unknown control request {context.Request.Method} {context.Request.Path}{context.Request.QueryString}\n");
    }

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
                await context.Response.WriteAsync(JsonSerializer.Serialize(item, ControlJson.Line) + "\n");
                await context.Response.Body.FlushAsync();
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                clientGone = true;
            }
        }
        await run;
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
