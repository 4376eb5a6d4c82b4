using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Pier.Configuration;
using Pier.Os;

namespace Pier.Supervision;

/// <summary>
/// The Unix sockets of workers whose <c>run</c> has <c>$SOCKET</c>: a fresh path for every start (as
/// ports are fresh), in a folder per service that the worker's user may create files in. As root the
/// folders live under /run/pier (a RuntimeDirectory= of the systemd unit), where workers with
/// <c>user:</c> can reach them; otherwise under the (private) state directory. Pier's HTTP clients
/// connect through <see cref="ConnectAsync"/>.
/// </summary>
internal sealed class WorkerSockets : IDisposable
{
    /// <summary>sun_path holds 108 bytes with its terminating NUL.</summary>
    public const int MaxPathLength = 107;

    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly ConcurrentDictionary<string, string> _paths = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<string> _root;
    private int _next;

    public WorkerSockets(string name, string stateDirectory)
    {
        // Lazy: the hash would load OpenSSL at start for every config, though few have $SOCKET.
        _root = new(() => UnixUser.EffectiveUid == 0 ? Path.Combine("/run", RuntimeFolder(name, stateDirectory)) : Path.Combine(stateDirectory, "sockets"));
    }

    /// <summary>
    /// Root's folder under /run, as systemd's RuntimeDirectory= names it: the instance's name, and a hash of
    /// its state directory, so that two instances never share sockets.
    /// </summary>
    public static string RuntimeFolder(string name, string stateDirectory) =>
        $"pier/{name}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(stateDirectory))))[..8]}";

    /// <summary>The folder that holds one folder per service.</summary>
    public string Root => _root.Value;

    /// <summary>
    /// A socket for one start of a worker of <paramref name="service"/>. A file left at that path by an
    /// earlier Pier is removed, so the worker's bind cannot fail on it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The path would be too long for a Unix socket.</exception>
    public WorkerEndpoint Allocate(ServiceConfig service)
    {
        var number = Interlocked.Increment(ref _next);
        var folder = Path.Combine(Root, service.Name);
        var path = Path.Combine(folder, $"{number}.sock");
        if (Encoding.UTF8.GetByteCount(path) > MaxPathLength)
            throw new InvalidOperationException($"the socket path {path} is longer than the {MaxPathLength} bytes a Unix socket allows; " +
                "shorten the service's or the config's name or the state directory (--state), or use $PORT instead of $SOCKET");
        Directory.CreateDirectory(Root, Traversable);
        Directory.CreateDirectory(folder, Traversable);
        if (service.User is { } user && WorkerUser.Resolve(user) is { IsOtherUser: true } other)
            other.TakeOwnership(folder);
        File.Delete(path);
        var host = $"{number}.{service.Name}.sock";
        _paths[host] = path;
        return WorkerEndpoint.ForSocket(path, host);
    }

    /// <summary>Forgets a socket whose worker has ended, and removes its file.</summary>
    public void Release(WorkerEndpoint endpoint)
    {
        if (endpoint.SocketHost is null)
            return;
        _paths.TryRemove(endpoint.SocketHost, out _);
        try
        {
            File.Delete(endpoint.SocketPath!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Removed again at the next start of a worker that gets this path.
        }
    }

    /// <summary>Removes the folders, once every worker has stopped: an empty tree under /run would outlive Pier.</summary>
    public void Dispose()
    {
        if (!_root.IsValueCreated || !Directory.Exists(Root))
            return;
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next start, which reuses the folders.
        }
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: connects to the socket behind a host made by
    /// <see cref="Allocate"/>. A socket that is gone, or has no listener yet, is refused, as a closed port is.
    /// </summary>
    public ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellation) =>
        ConnectAsync(context.DnsEndPoint.Host, cancellation);

    /// <summary>Connects to the socket behind <paramref name="host"/> (a <see cref="WorkerEndpoint.SocketHost"/>).</summary>
    public async ValueTask<Stream> ConnectAsync(string host, CancellationToken cancellation)
    {
        if (!_paths.TryGetValue(host, out var path) || !File.Exists(path))
            throw new SocketException((int)SocketError.ConnectionRefused);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellation);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
