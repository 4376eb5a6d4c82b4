using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Pier.Certificates;

/// <summary>
/// Marks connections whose TLS ClientHello offers <c>acme-tls/1</c>, so that only an ACME validator
/// sees a challenge certificate and live traffic keeps the real one. A connection middleware placed
/// before TLS: it peeks at the first record and leaves every byte for the TLS layer.
/// </summary>
internal static class AcmeTlsAlpnDetector
{
    public const string Protocol = "acme-tls/1";

    private const string ItemKey = "pier.acme-tls/1";
    private const int RecordHeader = 5;

    /// <summary>The largest TLS record, header included: a hello is judged by its first record, at most this long.</summary>
    public const int MaxRecord = 16384 + RecordHeader;
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);

    public static bool OffersAcmeTls(ConnectionContext connection) => connection.Items.ContainsKey(ItemKey);

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        var input = connection.Transport.Input;
        // Kestrel's handshake timeout starts after this middleware, so a client that never sends its hello is cut here.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(HelloTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                connection.Abort();
                return;
            }
            var buffer = result.Buffer;
            var needed = RecordLength(buffer.Slice(0, Math.Min(buffer.Length, RecordHeader)).ToArray());
            if (needed is null || buffer.Length >= needed || result.IsCompleted || buffer.Length >= MaxRecord)
            {
                if (needed is not null && buffer.Length >= needed && OffersProtocol(buffer.Slice(0, needed.Value).ToArray(), Protocol))
                    connection.Items[ItemKey] = true;
                // Consumed nothing and examined nothing: the TLS layer reads the same bytes next.
                input.AdvanceTo(buffer.Start);
                break;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
        await next(connection);
    };

    /// <summary>
    /// The length of the first TLS record including its header, from a connection's first bytes; null when it is not a
    /// handshake record; <see cref="MaxRecord"/> while fewer bytes than a record header have come.
    /// </summary>
    public static int? RecordLength(ReadOnlySpan<byte> start)
    {
        if (start.Length < RecordHeader)
            return start.IsEmpty || start[0] == 0x16 ? MaxRecord : null;
        return start[0] == 0x16 ? RecordHeader + BinaryPrimitives.ReadUInt16BigEndian(start[3..]) : null;
    }

    /// <summary>
    /// Whether a TLS record holding a ClientHello lists <paramref name="protocol"/> in its ALPN
    /// extension (type 16). Anything malformed or truncated counts as "not offered".
    /// </summary>
    public static bool OffersProtocol(ReadOnlySpan<byte> record, string protocol)
    {
        try
        {
            var hello = record[RecordHeader..];
            if (hello[0] != 0x01)
                return false;
            var p = 4 + 2 + 32; // handshake header, client version, random
            p += 1 + hello[p]; // session id
            p += 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[p..]); // cipher suites
            p += 1 + hello[p]; // compression methods
            var end = p + 2 + BinaryPrimitives.ReadUInt16BigEndian(hello[p..]);
            p += 2;
            while (p + 4 <= end)
            {
                var type = BinaryPrimitives.ReadUInt16BigEndian(hello[p..]);
                var length = BinaryPrimitives.ReadUInt16BigEndian(hello[(p + 2)..]);
                p += 4;
                if (type == 0x0010)
                {
                    var list = hello.Slice(p + 2, BinaryPrimitives.ReadUInt16BigEndian(hello[p..]));
                    while (!list.IsEmpty)
                    {
                        var name = list.Slice(1, list[0]);
                        if (System.Text.Encoding.ASCII.GetString(name) == protocol)
                            return true;
                        list = list[(1 + list[0])..];
                    }
                    return false;
                }
                p += length;
            }
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
        catch (IndexOutOfRangeException)
        {
            return false;
        }
    }
}
