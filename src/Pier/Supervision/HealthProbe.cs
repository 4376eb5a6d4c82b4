using System.Net;
using System.Net.Sockets;

namespace Pier.Supervision;

/// <summary>
/// Asks a worker whether it can take traffic: its port or socket accepts a connection and, when a
/// health path is set, that path answers 2xx within the timeout.
/// </summary>
internal sealed class HealthProbe(WorkerSockets sockets) : IDisposable
{
    private readonly HttpClient _client = Client(connect: null);

    private readonly HttpClient _socketClient = Client(sockets.ConnectAsync);

    private static HttpClient Client(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectCallback = connect,
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Null when healthy; otherwise what went wrong, for the operator.</summary>
    public async Task<string?> CheckAsync(WorkerEndpoint endpoint, string? path, TimeSpan timeout, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            if (path is null)
            {
                using var socket = endpoint.IsUnixSocket
                    ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                    : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(endpoint.IsUnixSocket ? new UnixDomainSocketEndPoint(endpoint.SocketPath!) : new IPEndPoint(IPAddress.Loopback, endpoint.Port!.Value),
                    deadline.Token);
                return null;
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.BaseUrl + path.TrimStart('/'));
            request.Headers.Add("User-Agent", "pier-health");
            if (endpoint.IsUnixSocket)
                request.Headers.Host = "localhost";
            using var response = await (endpoint.IsUnixSocket ? _socketClient : _client).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300 ? null : $"{path} answered {status}";
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return $"{path ?? endpoint.ToString()} did not answer within {timeout.TotalSeconds:0.#}s";
        }
        catch (HttpRequestException e)
        {
            return $"{path ?? endpoint.ToString()}: {e.Message}";
        }
        catch (SocketException e)
        {
            return $"{endpoint}: {e.Message}";
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _socketClient.Dispose();
    }
}
