using System.Net;
using System.Net.Sockets;

namespace Pier.Supervision;

/// <summary>
/// Asks a worker whether it can take traffic: its port accepts a connection and, when a health
/// path is set, that path answers 2xx within the timeout.
/// </summary>
internal sealed class HealthProbe : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Null when healthy; otherwise what went wrong, for the operator.</summary>
    public async Task<string?> CheckAsync(int port, string? path, TimeSpan timeout, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            if (path is null)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
                return null;
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
            request.Headers.Add("User-Agent", "pier-health");
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300 ? null : $"{path} answered {status}";
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return $"{path ?? "port " + port} did not answer within {timeout.TotalSeconds:0.#}s";
        }
        catch (HttpRequestException e)
        {
            return $"{path ?? "port " + port}: {e.Message}";
        }
        catch (SocketException e)
        {
            return $"port {port}: {e.Message}";
        }
    }

    public void Dispose() => _client.Dispose();
}
