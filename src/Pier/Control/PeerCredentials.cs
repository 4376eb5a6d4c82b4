using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Pier.Os;

namespace Pier.Control;

/// <summary>
/// Who may use the control socket: the user at the other end (SO_PEERCRED). The socket file is 0600
/// already; this check holds even if someone loosens that mode.
/// </summary>
internal static class PeerCredentials
{
    /// <summary>The peer's uid, or null when the connection is not a Unix socket Pier can ask.</summary>
    public static uint? Uid(HttpContext context) =>
        context.Features.Get<IConnectionSocketFeature>()?.Socket is { AddressFamily: AddressFamily.Unix } socket ? SocketPeer.Uid(socket) : null;

    /// <summary>Only the user Pier runs as, and root, may control it.</summary>
    public static bool IsAllowed(uint uid) => uid == 0 || uid == UnixUser.EffectiveUid;

    public static uint Self => UnixUser.EffectiveUid;
}
