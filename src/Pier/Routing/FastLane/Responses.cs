using System.Text;

namespace Pier.Routing.FastLane;

/// <summary>
/// The answers the fast lane writes itself, as the YARP path writes them; <c>hsts</c> is the
/// Strict-Transport-Security line over HTTPS (empty otherwise), as Kestrel's path adds it to every answer.
/// </summary>
internal static class Responses
{
    /// <summary>503 with Retry-After: no worker is ready (yet); the client may come back in a second.</summary>
    public static byte[] Unavailable(string message, bool close, string hsts)
    {
        var body = message + "\n";
        return Encoding.UTF8.GetBytes($"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n" +
            $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{hsts}{(close ? "Connection: close\r\n" : "")}\r\n{body}");
    }

    public static byte[] Empty(int status, bool close, string hsts) =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {Reason(status)}\r\nContent-Length: 0\r\n{hsts}{(close ? "Connection: close\r\n" : "")}\r\n");

    private static string Reason(int status) => status switch
    {
        408 => "Request Timeout",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Error",
    };
}
