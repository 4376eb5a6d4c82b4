using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections.Features;

namespace Pier.Control;

/// <summary>
/// Who is at the other end of a Unix socket (SO_PEERCRED). The socket file is 0600 already; this
/// check holds even if someone loosens that mode.
/// </summary>
internal static partial class PeerCredentials
{
    private const int SolSocket = 1;
    private const int SoPeercred = 17;

    [LibraryImport("libc")]
    private static partial uint geteuid();

    /// <summary>The peer's uid, or null when the connection is not a Unix socket Pier can ask.</summary>
    public static uint? Uid(HttpContext context)
    {
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is not { AddressFamily: AddressFamily.Unix } socket)
            return null;
        Span<byte> credentials = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeercred, credentials);
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        return length >= 8 ? MemoryMarshal.Read<uint>(credentials[4..]) : null;
    }

    /// <summary>Only the user Pier runs as, and root, may control it.</summary>
    public static bool IsAllowed(uint uid) => uid == 0 || uid == geteuid();

    public static uint Self => geteuid();
}
