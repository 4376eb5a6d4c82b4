using System.Buffers.Text;
using System.Text;

namespace EventLoopProxy;

/// <summary>What the loop needs of a backend's answer: where it ends and whether the connection
/// can carry the next request. The prototype forwards Content-Length answers only (no chunked or
/// close-delimited bodies, no 1xx): enough for the benchmark's backends, not for a product.</summary>
static class ResponseHead
{
    public static bool Parse(ReadOnlySpan<byte> head, bool headRequest, out long body, out bool reusable)
    {
        body = 0;
        reusable = false;
        int lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != (byte)' ') return false;
        if (!Utf8Parser.TryParse(line.Slice(9, 3), out int status, out int used) || used != 3 || status < 200) return false;
        bool keepAlive = line[7] == (byte)'1';
        long contentLength = -1;
        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            int end = rest.IndexOf("\r\n"u8);
            if (end == 0) break;
            var header = rest[..end];
            rest = rest[(end + 2)..];
            int colon = header.IndexOf((byte)':');
            if (colon <= 0) return false;
            var name = header[..colon];
            var value = header[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long parsed, out int digits) || digits != value.Length || parsed < 0) return false;
                if (contentLength >= 0 && contentLength != parsed) return false;
                contentLength = parsed;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8)) return false;
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8) && RequestHead.HasToken(value, "close"u8)) keepAlive = false;
        }
        reusable = keepAlive;
        if (headRequest || status is 204 or 304) return true;
        if (contentLength < 0) return false;
        body = contentLength;
        return true;
    }
}
