namespace Pier.Supervision;

/// <summary>
/// Where one start of an HTTP worker takes requests: a fresh loopback port (<c>$PORT</c>) or a fresh
/// Unix socket (<c>$SOCKET</c>). Pier's HTTP clients reach a socket through <see cref="SocketHost"/>,
/// a name that only <see cref="WorkerSockets"/> resolves, so each socket keeps its own connection pool.
/// </summary>
internal sealed record WorkerEndpoint
{
    private WorkerEndpoint(int? port, string? socketPath, string? socketHost)
    {
        Port = port;
        SocketPath = socketPath;
        SocketHost = socketHost;
    }

    public static WorkerEndpoint ForPort(int port) => new(port, null, null);

    public static WorkerEndpoint ForSocket(string path, string host) => new(null, path, host);

    public int? Port { get; }

    public string? SocketPath { get; }

    public string? SocketHost { get; }

    public bool IsUnixSocket => SocketPath is not null;

    /// <summary>The URL that Pier's clients send this worker's requests to.</summary>
    public string BaseUrl => SocketHost is { } host ? $"http://{host}/" : $"http://127.0.0.1:{Port}/";

    /// <summary>For the operator: "port 41234" or "socket /var/lib/pier/shop/sockets/web/3.sock".</summary>
    public override string ToString() => SocketPath is { } path ? $"socket {path}" : $"port {Port}";
}
