using System.Net;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Pier.Certificates;
using Pier.Configuration;
using Pier.Kestrel;
using Pier.Resources;
using Pier.Supervision;
using Yarp.ReverseProxy.Forwarder;

namespace Pier.Routing.Kestrel;

/// <summary>
/// Kestrel and YARP: what the fast lane does not serve. Kestrel listens on the public ports the fast lane leaves to it (the
/// plain-HTTP port beside HTTPS, for ACME challenges and redirects; every port when there is no fast lane) and on the
/// internal sockets the fast lane hands connections on through; the <see cref="WorkerForwarder"/> sends the requests on.
/// </summary>
internal sealed class KestrelLane : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WorkerForwarder _forwarder;
    private readonly CertificateManager? _certificates;
    private readonly int? _httpsPort;
    private readonly string? _hsts;
    private readonly string? _fastLaneSocket;
    private readonly string? _fastLaneTlsSocket;

    /// <param name="certificates">With HTTPS: the HTTPS listener serves its certificates, and the HTTP listener
    /// answers ACME challenges and redirects everything else to HTTPS.</param>
    /// <param name="hsts">The Strict-Transport-Security value of HTTPS answers, if any.</param>
    /// <param name="fastLaneSocket">Where Kestrel listens for what the fast lane passes on; null leaves the public ports to Kestrel.</param>
    /// <param name="fastLaneTlsSocket">With HTTPS and a fast lane: the socket for the TLS hellos the fast lane leaves alone.</param>
    public KestrelLane(ListenConfig listen, LiveRoutes routes, PierMetrics metrics, WorkerSockets sockets, Action<string> logFailure,
        CertificateManager? certificates, string? hsts, string? fastLaneSocket, string? fastLaneTlsSocket)
    {
        _certificates = certificates;
        _httpsPort = certificates is null ? null : listen.HttpsPort;
        _hsts = hsts;
        _fastLaneSocket = fastLaneSocket;
        _fastLaneTlsSocket = fastLaneTlsSocket;
        var builder = KestrelHost.CreateBuilder();
        // The drain's deadline is StopAsync's: the config that holds at shutdown gives it, not the one at start.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddHttpForwarder();
        // Kestrel's default first reads zero bytes to learn that data is there, then reads it: one
        // extra recv(2) per request. A proxy's connections are busy, so a buffer per connection is the
        // cheaper side (bench/proxy.sh: 10–20% more requests per CPU-second).
        builder.Services.Configure<SocketTransportOptions>(o => o.WaitForDataBeforeAllocatingBuffer = false);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A slow body is cut by Kestrel's MinRequestBodyDataRate (240 B/s after 5 s).
            kestrel.Limits.RequestHeadersTimeout = FrontDoorLimits.RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = FrontDoorLimits.KeepAliveTimeout;
            if (fastLaneSocket is not null)
            {
                File.Delete(fastLaneSocket);
                kestrel.ListenUnixSocket(fastLaneSocket, o =>
                {
                    o.Protocols = HttpProtocols.Http1AndHttp2;
                    o.Use(TunnelPreamble.Middleware);
                });
            }
            if (fastLaneSocket is null || certificates is not null)
            {
                if (listen.HttpAddress is null)
                    kestrel.ListenAnyIP(listen.HttpPort, o => o.Protocols = HttpProtocols.Http1AndHttp2);
                else
                    kestrel.Listen(IPAddress.Parse(listen.HttpAddress), listen.HttpPort, o => o.Protocols = HttpProtocols.Http1AndHttp2);
            }
            if (fastLaneTlsSocket is not null)
            {
                File.Delete(fastLaneTlsSocket);
                kestrel.ListenUnixSocket(fastLaneTlsSocket, o =>
                {
                    o.Use(TunnelPreamble.Middleware);
                    ConfigureHttps(o, certificates!);
                });
            }
            else if (certificates is not null && _httpsPort is { } httpsPort)
            {
                if (listen.HttpsAddress is null)
                    kestrel.ListenAnyIP(httpsPort, o => ConfigureHttps(o, certificates));
                else
                    kestrel.Listen(IPAddress.Parse(listen.HttpsAddress), httpsPort, o => ConfigureHttps(o, certificates));
            }
        });
        _app = builder.Build();
        _forwarder = new WorkerForwarder(_app.Services.GetRequiredService<IHttpForwarder>(), routes, metrics, sockets, logFailure);
        _app.Run(certificates is null ? _forwarder.ForwardAsync : HandleWithHttpsAsync);
    }

    private static void ConfigureHttps(ListenOptions options, CertificateManager certificates)
    {
        options.Protocols = HttpProtocols.Http1AndHttp2;
        // Before TLS: it peeks at the ClientHello so that only ACME validators see challenge certificates.
        options.Use(AcmeTlsAlpnDetector.Middleware);
        options.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = certificates.Selector.SelectAsync,
            HandshakeTimeout = FrontDoorLimits.TlsHandshakeTimeout,
        });
    }

    /// <exception cref="IOException">A public port cannot be bound.</exception>
    public Task StartAsync(CancellationToken cancellation) => _app.StartAsync(cancellation);

    /// <summary>Stops accepting and waits for requests in flight until <paramref name="deadline"/>.</summary>
    public Task StopAsync(CancellationToken deadline) => _app.StopAsync(deadline);

    /// <summary>
    /// HTTPS requests go to the workers with HSTS; plain HTTP is redirected (308 keeps the method and
    /// body), except the ACME HTTP-01 path, which must stay reachable over HTTP.
    /// </summary>
    private Task HandleWithHttpsAsync(HttpContext context)
    {
        if (context.Request.IsHttps)
        {
            if (_hsts is not null)
                context.Response.Headers.StrictTransportSecurity = _hsts;
            return _forwarder.ForwardAsync(context);
        }

        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith(ChallengeResponder.Http01Prefix, StringComparison.Ordinal))
        {
            var answer = _certificates!.Challenges.Http01(path[ChallengeResponder.Http01Prefix.Length..]);
            context.Response.StatusCode = answer is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync(answer ?? "no such ACME challenge\n");
        }

        var host = context.Request.Host.HasValue ? context.Request.Host.Host : _certificates!.Config.Domains.FirstOrDefault() ?? "localhost";
        var target = UriHelper.BuildAbsolute("https", _httpsPort == ListenConfig.DefaultHttpsPort ? new HostString(host) : new HostString(host, _httpsPort!.Value),
            context.Request.PathBase, context.Request.Path, context.Request.QueryString);
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = target;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        if (_fastLaneSocket is not null)
            File.Delete(_fastLaneSocket);
        if (_fastLaneTlsSocket is not null)
            File.Delete(_fastLaneTlsSocket);
        _forwarder.Dispose();
    }
}
