using System.Net.Http.Json;
using System.Net.Sockets;

namespace Pier.Control;

/// <summary>Talks to a running Pier through its control socket.</summary>
internal sealed class ControlClient : IDisposable
{
    private readonly HttpClient _http;

    public ControlClient(string stateDirectory)
    {
        SocketPath = Path.Combine(stateDirectory, ControlServer.SocketName);
        _http = new HttpClient(new SocketsHttpHandler
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
        })
        {
            BaseAddress = new Uri("http://pier/"),
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    public string SocketPath { get; }

    /// <summary>Null when no Pier answers on this state directory.</summary>
    public async Task<StatusReport?> StatusAsync(CancellationToken cancellation)
    {
        try
        {
            return await _http.GetFromJsonAsync<StatusReport>("v1/status", ControlJson.Options, cancellation);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException)
        {
            return null;
        }
    }

    /// <summary>What `pier certs` shows; null when no Pier answers on this state directory.</summary>
    public async Task<IReadOnlyList<Certificates.CertificateReport>?> CertificatesAsync(CancellationToken cancellation)
    {
        try
        {
            return await _http.GetFromJsonAsync<List<Certificates.CertificateReport>>("v1/certs", ControlJson.Options, cancellation);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
