using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace EventLoopProxy;

/// <summary>Checks a request head the way the front door must (one Host, one Content-Length, no
/// obs-fold, no Transfer-Encoding next to a length, token names, no control bytes) and writes the
/// head to send upstream: hop-by-hop and X-Forwarded-* headers dropped, X-Forwarded-* set. Requests
/// with bodies or upgrades are refused with 501: the prototype measures the GET path.</summary>
static class RequestHead
{
    public struct Info
    {
        public bool Close, Idempotent, Head;
        public int Status;
    }

    static readonly SearchValues<byte> Token = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    public static int Rewrite(ReadOnlySpan<byte> head, ReadOnlySpan<byte> forwardedFor, Span<byte> output, out Info info)
    {
        info = default;
        int lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        int first = line.IndexOf((byte)' '), last = line.LastIndexOf((byte)' ');
        if (first <= 0 || last <= first + 1) return Refuse(ref info, 400);
        var method = line[..first];
        var target = line[(first + 1)..last];
        var version = line[(last + 1)..];
        if (method.IndexOfAnyExcept(Token) >= 0) return Refuse(ref info, 400);
        if (target.IndexOfAnyInRange((byte)0, (byte)0x20) >= 0 || target.Contains((byte)0x7F)) return Refuse(ref info, 400);
        if (target[0] != (byte)'/' && !(target.SequenceEqual("*"u8) && method.SequenceEqual("OPTIONS"u8))) return Refuse(ref info, 400);
        bool http10 = version.SequenceEqual("HTTP/1.0"u8);
        if (!http10 && !version.SequenceEqual("HTTP/1.1"u8)) return Refuse(ref info, 505);
        info.Close = http10;
        info.Head = method.SequenceEqual("HEAD"u8);
        info.Idempotent = info.Head || method.SequenceEqual("GET"u8) || method.SequenceEqual("OPTIONS"u8)
            || method.SequenceEqual("PUT"u8) || method.SequenceEqual("DELETE"u8) || method.SequenceEqual("TRACE"u8);

        int at = 0;
        if (!Put(output, ref at, line[..(last + 1)]) || !Put(output, ref at, "HTTP/1.1\r\n"u8)) return Refuse(ref info, 431);
        ReadOnlySpan<byte> host = default;
        bool hasHost = false, hasLength = false;
        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            int end = rest.IndexOf("\r\n"u8);
            if (end == 0) break;
            var header = rest[..end];
            rest = rest[(end + 2)..];
            int colon = header.IndexOf((byte)':');
            if (colon <= 0) return Refuse(ref info, 400);
            var name = header[..colon];
            if (name.IndexOfAnyExcept(Token) >= 0) return Refuse(ref info, 400);
            var value = header[(colon + 1)..].Trim(" \t"u8);
            if (value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0) return Refuse(ref info, 400);
            if (Ascii.EqualsIgnoreCase(name, "host"u8))
            {
                if (hasHost) return Refuse(ref info, 400);
                hasHost = true;
                host = value;
            }
            else if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (hasLength || !Utf8Parser.TryParse(value, out long length, out int digits) || digits != value.Length) return Refuse(ref info, 400);
                hasLength = true;
                if (length != 0) return Refuse(ref info, 501);
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8) || Ascii.EqualsIgnoreCase(name, "upgrade"u8))
                return Refuse(ref info, 501);
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                if (HasToken(value, "close"u8)) info.Close = true;
                continue;
            }
            else if (Ascii.EqualsIgnoreCase(name, "keep-alive"u8) || Ascii.EqualsIgnoreCase(name, "proxy-connection"u8)
                || Ascii.EqualsIgnoreCase(name, "te"u8) || name.StartsWith("x-forwarded-"u8) || name.StartsWith("X-Forwarded-"u8))
                continue;
            if (!Put(output, ref at, header) || !Put(output, ref at, "\r\n"u8)) return Refuse(ref info, 431);
        }
        if (!hasHost && !http10) return Refuse(ref info, 400);
        bool fits = Put(output, ref at, "X-Forwarded-For: "u8) && Put(output, ref at, forwardedFor)
            && Put(output, ref at, "\r\nX-Forwarded-Proto: http\r\n"u8);
        if (hasHost) fits = fits && Put(output, ref at, "X-Forwarded-Host: "u8) && Put(output, ref at, host) && Put(output, ref at, "\r\n"u8);
        fits = fits && Put(output, ref at, "\r\n"u8);
        return fits ? at : Refuse(ref info, 431);
    }

    public static bool HasToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token)) return true;
        return false;
    }

    static bool Put(Span<byte> output, ref int at, ReadOnlySpan<byte> bytes)
    {
        if (!bytes.TryCopyTo(output[at..])) return false;
        at += bytes.Length;
        return true;
    }

    static int Refuse(ref Info info, int status)
    {
        info.Status = status;
        return -1;
    }
}
