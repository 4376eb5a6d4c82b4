using Pier.Kestrel;

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
    private readonly ControlApi _api;

    public ControlServer(string stateDirectory, ControlApi api)
    {
        _api = api;
        _socketPath = Path.Combine(stateDirectory, SocketName);
        var builder = KestrelHost.CreateBuilder();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(_socketPath));
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    private Task HandleAsync(HttpContext context)
    {
        if (PeerCredentials.Uid(context) is { } uid && !PeerCredentials.IsAllowed(uid))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync($"uid {uid} may not control this Pier; only uid {PeerCredentials.Self} and root may\n");
        }
        return _api.TryHandle(context, context.Request.Path.Value ?? "", out var handled) ? handled : ControlApi.NotFound(context);
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
