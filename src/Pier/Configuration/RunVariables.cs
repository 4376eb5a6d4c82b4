using System.Text.RegularExpressions;

namespace Pier.Configuration;

/// <summary>
/// The variables Pier fills in a service's <c>run</c> line: <c>$PORT</c>/<c>${PORT}</c> for a worker on a
/// loopback port, <c>$SOCKET</c>/<c>${SOCKET}</c> for one on a Unix socket.
/// </summary>
internal static partial class RunVariables
{
    public static string ReplacePort(string run, int port) => PortVariable().Replace(run, port.ToString());

    public static string ReplaceSocket(string run, string path) => SocketVariable().Replace(run, path);

    public static bool MentionsPort(string run) => PortVariable().IsMatch(run);

    /// <summary>A service whose run line names <c>$SOCKET</c> gets a Unix socket instead of a port.</summary>
    public static bool MentionsSocket(string run) => SocketVariable().IsMatch(run);

    [GeneratedRegex(@"\$\{PORT\}|\$PORT(?![A-Za-z0-9_])")]
    private static partial Regex PortVariable();

    [GeneratedRegex(@"\$\{SOCKET\}|\$SOCKET(?![A-Za-z0-9_])")]
    private static partial Regex SocketVariable();
}
