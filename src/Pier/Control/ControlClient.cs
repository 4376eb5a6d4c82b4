using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Pier.Control;

/// <summary>Talks to a running Pier through its control socket.</summary>
internal sealed class ControlClient : IDisposable
{
    private readonly HttpClient _http;
    // Deploys take as long as workers take to start and drain: no client-side timeout.
    private readonly HttpClient _streaming;

    public ControlClient(string stateDirectory)
    {
        SocketPath = Path.Combine(stateDirectory, ControlServer.SocketName);
        _http = new HttpClient(Handler(), disposeHandler: true)
        {
            BaseAddress = new Uri("http://pier/"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        _streaming = new HttpClient(Handler(), disposeHandler: true)
        {
            BaseAddress = new Uri("http://pier/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    private SocketsHttpHandler Handler() => new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (_, cancellation) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), cancellation);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public string SocketPath { get; }

    /// <summary>What every command says when nothing answers on the socket.</summary>
    public string NotRunning => $"pier: no Pier is running for {Path.GetDirectoryName(SocketPath)} (nothing answers on {SocketPath}); start it with `pier up`";

    /// <summary>Null when no Pier answers on this state directory.</summary>
    public async Task<StatusReport?> StatusAsync(CancellationToken cancellation)
    {
        try
        {
            return await _http.GetFromJsonAsync("v1/status", ControlJson.Info<StatusReport>(), cancellation);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            return IsDenied(e) ? throw Denied() : null;
        }
    }

    /// <summary>What `pier certs` shows; null when no Pier answers on this state directory.</summary>
    public async Task<IReadOnlyList<Certificates.CertificateReport>?> CertificatesAsync(CancellationToken cancellation)
    {
        try
        {
            return await _http.GetFromJsonAsync("v1/certs", ControlJson.Info<IReadOnlyList<Certificates.CertificateReport>>(), cancellation);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            return IsDenied(e) ? throw Denied() : null;
        }
    }

    /// <summary>
    /// Sends a long request (reload, restart, scale) and hands every progress event to
    /// <paramref name="onEvent"/>. Returns the final outcome, or null when no Pier answers.
    /// </summary>
    public async Task<bool?> StreamAsync(string pathAndQuery, Action<ControlEvent> onEvent, CancellationToken cancellation)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery);
            response = await _streaming.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            return IsDenied(e) ? throw Denied() : null;
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                onEvent(new ControlEvent((await response.Content.ReadAsStringAsync(cancellation)).Trim(), false));
                return false;
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellation));
            while (await reader.ReadLineAsync(cancellation) is { } line)
            {
                if (JsonSerializer.Deserialize(line, ControlJson.Info<ControlEvent>()) is not { } item)
                    continue;
                onEvent(item);
                if (item.Ok is { } ok)
                    return ok;
            }
            onEvent(new ControlEvent("Pier closed the connection before the operation finished; check `pier status`", false));
            return false;
        }
    }

    /// <summary>`pier stop`: asks for a graceful stop; null when no Pier answers.</summary>
    public async Task<ControlEvent?> StopAsync(CancellationToken cancellation)
    {
        try
        {
            using var response = await _http.PostAsync("v1/stop", null, cancellation);
            Refused(response);
            return await response.Content.ReadFromJsonAsync(ControlJson.Info<ControlEvent>(), cancellation);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            return IsDenied(e) ? throw Denied() : null;
        }
    }

    /// <summary>
    /// No socket, or nothing listening on it, means no Pier runs; a socket we may not use is a
    /// different answer, and says so (<see cref="UnauthorizedAccessException"/>).
    /// </summary>
    private static bool IsDenied(HttpRequestException e) =>
        e.StatusCode == System.Net.HttpStatusCode.Forbidden
        || e.InnerException is SocketException { SocketErrorCode: SocketError.AccessDenied };

    private void Refused(HttpResponseMessage response)
    {
        if (response.StatusCode == System.Net.HttpStatusCode.Forbidden)
            throw Denied();
        response.EnsureSuccessStatusCode();
    }

    private UnauthorizedAccessException Denied() =>
        new($"{SocketPath}: permission denied; only the user that runs this Pier (and root) may control it");

    public void Dispose()
    {
        _http.Dispose();
        _streaming.Dispose();
    }
}
