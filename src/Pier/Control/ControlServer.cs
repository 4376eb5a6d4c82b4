using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Pier.Hosting;

namespace Pier.Control;

/// <summary>
/// Pier's private listeners, on one Kestrel instance (each instance costs a few MiB of RSS): the
/// control socket, HTTP over a Unix socket in the state directory, mode 0600, through which the CLI
/// finds a running Pier; and the admin listener, when there is one. A request is told apart by the
/// socket it came on, not by anything it says. Nothing here shares a listener with the front door.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    public const string SocketName = "pier.sock";

    private readonly WebApplication _app;
    private readonly string _socketPath;
    private readonly ControlApi _api;
    private readonly AdminListener? _admin;

    private ControlServer(string stateDirectory, ControlApi api, AdminListener? admin)
    {
        _api = api;
        _admin = admin;
        _socketPath = Path.Combine(stateDirectory, SocketName);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.ListenUnixSocket(_socketPath);
            if (admin is not null)
                kestrel.Listen(IPAddress.Parse(admin.Config.Address), admin.Config.Port);
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>
    /// Starts the control socket and the admin listener. If the admin port was not configured and is
    /// taken, the control socket starts alone and <paramref name="adminUnavailable"/> says why.
    /// </summary>
    public static async Task<ControlServer> StartAsync(string stateDirectory, ControlApi api, AdminListener admin,
        Action<string> adminUnavailable, CancellationToken cancellation)
    {
        var server = new ControlServer(stateDirectory, api, admin);
        try
        {
            await server.StartAsync(cancellation);
            return server;
        }
        catch (Exception e)
        {
            await server.DisposeAsync();
            if (e is not IOException || admin.Config.Explicit)
                throw;
            adminUnavailable(e.Message);
        }
        server = new ControlServer(stateDirectory, api, admin: null);
        await server.StartAsync(cancellation);
        return server;
    }

    /// <summary>Whether the admin listener is up.</summary>
    public bool ServesAdmin => _admin is not null;

    private Task HandleAsync(HttpContext context)
    {
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket.AddressFamily != AddressFamily.Unix)
            return _admin is null ? ControlApi.NotFound(context) : _admin.HandleAsync(context);
        if (PeerCredentials.Uid(context) is { } uid && !PeerCredentials.IsAllowed(uid))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync($"uid {uid} may not control this Pier; only uid {PeerCredentials.Self} and root may\n");
        }
        return _api.TryHandle(context, context.Request.Path.Value ?? "", out var handled) ? handled : ControlApi.NotFound(context);
    }

    private async Task StartAsync(CancellationToken cancellation)
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
