using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Pier.Os;

/// <summary>Who is at the other end of a Unix socket, as the kernel tells it (SO_PEERCRED).</summary>
internal static class SocketPeer
{
    private const int SolSocket = 1;
    private const int SoPeercred = 17;

    /// <summary>The peer's uid, or null when the kernel gives no credentials.</summary>
    public static uint? Uid(Socket socket)
    {
        Span<byte> credentials = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeercred, credentials);
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        return length >= 8 ? MemoryMarshal.Read<uint>(credentials[4..]) : null;
    }
}
