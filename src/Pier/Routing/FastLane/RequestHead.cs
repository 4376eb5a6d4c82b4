using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Pier.Routing.FastLane;

/// <summary>
/// Reads a request head and writes the head sent to the worker, for the requests the fast lane takes:
/// HTTP/1.1, origin-form target, one valid Host, no body (no Transfer-Encoding, no Content-Length but 0),
/// no upgrade or Expect, nothing Kestrel would refuse. Anything else, hostile or merely unusual, is not
/// this class's to judge: the connection goes to Kestrel, whose parser answers it (400, 431…) or serves it.
/// The head written keeps the client's request line and headers (Host included) but drops hop-by-hop
/// headers and the client's X-Forwarded-*, and sets X-Forwarded-For/Proto/Host, as the YARP path does.
/// </summary>
internal static class RequestHead
{
    /// <summary>Kestrel's own limits (MaxRequestLineSize, MaxRequestHeaderCount): beyond them, Kestrel answers.</summary>
    private const int MaxRequestLine = 8 * 1024, MaxHeaders = 100;

    private static readonly SearchValues<byte> Token = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // Visible ASCII, space and tab: Kestrel refuses other bytes in header values by default.
    private static readonly SearchValues<byte> FieldValue = SearchValues.Create(
        Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b).Append((byte)'\t').ToArray());

    private static readonly SearchValues<byte> NameCharacters = SearchValues.Create(
        "-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static readonly SearchValues<byte> IPv6Characters = SearchValues.Create("0123456789ABCDEFabcdef:."u8);

    /// <summary>What the fast lane needs to know of a request it takes.</summary>
    /// <param name="Host">Where the Host value is in the written head.</param>
    /// <param name="Path">Where the target's path (without the query) is in the written head.</param>
    internal readonly record struct Info(bool Close, bool Idempotent, bool IsHead, Range Method, Range Host, Range Path);

    /// <summary>
    /// Writes the worker's head into <paramref name="output"/> and returns its length, or -1 when the request
    /// is not one the fast lane takes (Kestrel gets the connection).
    /// </summary>
    public static int Rewrite(ReadOnlySpan<byte> head, ReadOnlySpan<byte> forwardedFor, bool https, Span<byte> output, out Info info)
    {
        info = default;
        var lineEnd = head.IndexOf("\r\n"u8);
        if (lineEnd <= 0 || lineEnd + 2 > MaxRequestLine || head.IndexOf((byte)'\n') != lineEnd + 1)
            return -1;
        var line = head[..lineEnd];
        var first = line.IndexOf((byte)' ');
        var last = line.LastIndexOf((byte)' ');
        if (first <= 0 || last <= first + 1)
            return -1;
        var method = line[..first];
        var target = line[(first + 1)..last];
        if (!line[(last + 1)..].SequenceEqual("HTTP/1.1"u8) || method.ContainsAnyExcept(Token) || method.SequenceEqual("CONNECT"u8)
            || target[0] != (byte)'/' || target.IndexOfAnyExceptInRange((byte)0x21, (byte)0x7E) >= 0)
            return -1;

        var at = 0;
        if (!Put(output, ref at, line) || !Put(output, ref at, "\r\n"u8))
            return -1;
        var query = target.IndexOf((byte)'?');
        var pathStart = first + 1;
        var path = pathStart..(pathStart + (query < 0 ? target.Length : query));
        Range host = default;
        bool hasHost = false, hasLength = false, close = false;
        var headers = 0;
        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            var end = rest.IndexOf("\r\n"u8);
            if (end == 0)
                break;
            if (end < 0 || ++headers > MaxHeaders)
                return -1;
            var header = rest[..end];
            rest = rest[(end + 2)..];
            var colon = header.IndexOf((byte)':');
            if (colon <= 0)
                return -1;
            var name = header[..colon];
            if (name.ContainsAnyExcept(Token) || header[(colon + 1)..].ContainsAnyExcept(FieldValue))
                return -1;
            var value = header[(colon + 1)..].Trim(" \t"u8);
            switch (Classify(name))
            {
                case Header.Host:
                    if (hasHost || !IsPlainHost(value))
                        return -1;
                    hasHost = true;
                    var valueStart = at + (header.Length - header[(colon + 1)..].TrimStart(" \t"u8).Length);
                    host = valueStart..(valueStart + value.Length);
                    break;
                case Header.ContentLength:
                    if (hasLength || !value.SequenceEqual("0"u8))
                        return -1;
                    hasLength = true;
                    break;
                case Header.Refused:
                    return -1;
                case Header.Connection:
                    foreach (var token in value.Split((byte)','))
                    {
                        var option = value[token].Trim(" \t"u8);
                        if (Ascii.EqualsIgnoreCase(option, "close"u8))
                            close = true;
                        else if (!Ascii.EqualsIgnoreCase(option, "keep-alive"u8) && !option.IsEmpty)
                            return -1;  // names another header as hop-by-hop, or upgrade: Kestrel and YARP know what to do
                    }
                    continue;
                case Header.Dropped:
                    continue;
            }
            if (!Put(output, ref at, header) || !Put(output, ref at, "\r\n"u8))
                return -1;
        }
        if (!hasHost)
            return -1;
        var hostValue = output[host];
        if (!Put(output, ref at, "X-Forwarded-For: "u8) || !Put(output, ref at, forwardedFor)
            || !Put(output, ref at, https ? "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: "u8 : "\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: "u8))
            return -1;
        if (!hostValue.TryCopyTo(output[at..]))
            return -1;
        at += hostValue.Length;
        if (!Put(output, ref at, "\r\n\r\n"u8))
            return -1;
        var isHead = method.SequenceEqual("HEAD"u8);
        var idempotent = isHead || method.SequenceEqual("GET"u8) || method.SequenceEqual("OPTIONS"u8) || method.SequenceEqual("TRACE"u8)
            || method.SequenceEqual("PUT"u8) || method.SequenceEqual("DELETE"u8);
        info = new Info(close, idempotent, isHead, ..first, host, path);
        return at;
    }

    /// <summary>
    /// A host name or [IPv6] literal with an optional port of digits: stricter than Kestrel's check, so that
    /// what passes here Kestrel would pass too (anything else is Kestrel's to judge).
    /// </summary>
    private static bool IsPlainHost(ReadOnlySpan<byte> host)
    {
        ReadOnlySpan<byte> port;
        if (host.StartsWith("["u8))
        {
            var close = host.IndexOf((byte)']');
            if (close < 2 || host[1..close].ContainsAnyExcept(IPv6Characters))
                return false;
            port = host[(close + 1)..];
        }
        else
        {
            var colon = host.IndexOf((byte)':');
            var name = colon < 0 ? host : host[..colon];
            if (name.IsEmpty || name.ContainsAnyExcept(NameCharacters))
                return false;
            port = colon < 0 ? [] : host[colon..];
        }
        return port.IsEmpty || (port[0] == (byte)':' && port.Length is > 1 and <= 6 && !port[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9'));
    }

    private enum Header { Kept, Host, ContentLength, Connection, Dropped, Refused }

    private static Header Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when Ascii.EqualsIgnoreCase(name, "host"u8) => Header.Host,
        2 when Ascii.EqualsIgnoreCase(name, "te"u8) => Header.Dropped,
        10 when Ascii.EqualsIgnoreCase(name, "connection"u8) => Header.Connection,
        10 when Ascii.EqualsIgnoreCase(name, "keep-alive"u8) => Header.Dropped,
        14 when Ascii.EqualsIgnoreCase(name, "content-length"u8) => Header.ContentLength,
        16 when Ascii.EqualsIgnoreCase(name, "proxy-connection"u8) => Header.Dropped,
        17 when Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8) => Header.Refused,
        7 when Ascii.EqualsIgnoreCase(name, "upgrade"u8) => Header.Refused,
        6 when Ascii.EqualsIgnoreCase(name, "expect"u8) => Header.Refused,
        _ when name.Length >= 12 && Ascii.EqualsIgnoreCase(name[..12], "x-forwarded-"u8) => Header.Dropped,
        _ => Header.Kept,
    };

    private static bool Put(Span<byte> output, ref int at, ReadOnlySpan<byte> bytes)
    {
        if (!bytes.TryCopyTo(output[at..]))
            return false;
        at += bytes.Length;
        return true;
    }
}
