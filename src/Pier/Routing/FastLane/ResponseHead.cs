using System.Buffers.Text;
using System.Text;

namespace Pier.Routing.FastLane;

/// <summary>
/// Reads a worker's response head: its status, where its body ends (RFC 9112 §6.3) and whether the
/// connection can carry another request; writes the head the client gets, without the worker's
/// hop-by-hop headers (as YARP drops them), with <c>Connection: close</c> when the client's connection ends
/// after this answer.
/// </summary>
internal static class ResponseHead
{
    internal enum Framing { None, Length, Chunked, UntilClose }

    internal readonly record struct Info(int Status, Framing Framing, long Length, bool Reusable);

    /// <summary>False when the head is not valid HTTP/1.x.</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, bool headRequest, out Info info)
    {
        info = default;
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[7] is not ((byte)'0' or (byte)'1') || line[8] != (byte)' '
            || (line.Length > 12 && line[12] != (byte)' ')
            || !Utf8Parser.TryParse(line.Slice(9, 3), out int status, out var digits) || digits != 3 || status < 100)
            return false;
        var reusable = line[7] == (byte)'1';
        long length = -1;
        var chunked = false;
        var hasEncoding = false;
        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            var end = rest.IndexOf("\r\n"u8);
            if (end == 0)
                break;
            var header = rest[..end];
            rest = rest[(end + 2)..];
            var colon = header.IndexOf((byte)':');
            if (colon <= 0 || header.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
                return false;
            var name = header[..colon];
            var value = header[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long parsed, out var used) || used != value.Length || parsed < 0 || (length >= 0 && length != parsed))
                    return false;
                length = parsed;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                hasEncoding = true;
                var lastComma = value.LastIndexOf((byte)',');
                chunked = Ascii.EqualsIgnoreCase(value[(lastComma + 1)..].Trim(" \t"u8), "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                foreach (var token in value.Split((byte)','))
                    if (Ascii.EqualsIgnoreCase(value[token].Trim(" \t"u8), "close"u8))
                        reusable = false;
            }
        }
        if (status is < 200 or 204 or 304 || headRequest)
            info = new Info(status, Framing.None, 0, reusable);
        else if (hasEncoding && length >= 0)
            return false;  // a length next to an encoding is how responses are smuggled: a 502, as nginx answers
        else if (hasEncoding)
            info = new Info(status, chunked ? Framing.Chunked : Framing.UntilClose, 0, reusable && chunked);
        else if (length >= 0)
            info = new Info(status, Framing.Length, length, reusable);
        else
            info = new Info(status, Framing.UntilClose, 0, false);
        return true;
    }

    /// <summary>
    /// Writes the client's head, with <paramref name="hsts"/> (a whole header line, or empty) in place of any the
    /// worker sent: the operator's setting wins, as on Kestrel's path. -1 when it does not fit.
    /// </summary>
    public static int Rewrite(ReadOnlySpan<byte> head, bool close, ReadOnlySpan<byte> hsts, Span<byte> output)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var at = 0;
        if (!Put(output, ref at, head[..(lineEnd + 2)]))
            return -1;
        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            var end = rest.IndexOf("\r\n"u8);
            if (end == 0)
                break;
            var line = rest[..(end + 2)];
            rest = rest[(end + 2)..];
            var name = line[..line.IndexOf((byte)':')];
            if (Ascii.EqualsIgnoreCase(name, "connection"u8) || Ascii.EqualsIgnoreCase(name, "keep-alive"u8)
                || Ascii.EqualsIgnoreCase(name, "proxy-connection"u8)
                || (!hsts.IsEmpty && Ascii.EqualsIgnoreCase(name, "strict-transport-security"u8)))
                continue;
            if (!Put(output, ref at, line))
                return -1;
        }
        if (!Put(output, ref at, hsts))
            return -1;
        return (close ? Put(output, ref at, "Connection: close\r\n\r\n"u8) : Put(output, ref at, "\r\n"u8)) ? at : -1;
    }

    private static bool Put(Span<byte> output, ref int at, ReadOnlySpan<byte> bytes)
    {
        if (!bytes.TryCopyTo(output[at..]))
            return false;
        at += bytes.Length;
        return true;
    }
}
