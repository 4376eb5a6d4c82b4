using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Pier.Tests.EndToEnd;

/// <summary>A raw HTTP/1.1 client: what it sends is what goes on the wire, and it reads answers byte for byte.</summary>
internal sealed class RawConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly List<byte> _buffered = [];

    private RawConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>Plain HTTP, or with <paramref name="tlsHost"/> HTTPS to that name (any certificate taken), offering ALPN <paramref name="protocols"/>.</summary>
    public static async Task<RawConnection> OpenAsync(int port, int? receiveBuffer = null, string? tlsHost = null, params string[] protocols)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer is { } size)
            socket.ReceiveBufferSize = size;
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            stream = new NetworkStream(socket, ownsSocket: false);
            if (tlsHost is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = tlsHost,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    ApplicationProtocols = protocols.Select(p => new SslApplicationProtocol(p)).ToList(),
                }, timeout.Token);
            }
            return new RawConnection(socket, stream);
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The protocol ALPN chose, over HTTPS.</summary>
    public string? Protocol => _stream is SslStream ssl && ssl.NegotiatedApplicationProtocol.Protocol.Length > 0
        ? ssl.NegotiatedApplicationProtocol.ToString() : null;

    public async Task SendAsync(string request)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        await _stream.FlushAsync();
    }

    /// <summary>One answer: its head, and its body as sent (chunked bodies with their framing).</summary>
    public async Task<(string Head, byte[] Body)> ReadAnswerAsync(bool bodiless = false, bool untilClose = false, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        int end;
        while ((end = IndexOf("\r\n\r\n"u8)) < 0)
            await FillAsync(cancel.Token);
        var head = Encoding.ASCII.GetString(Take(end + 4).ToArray());
        var status = int.Parse(head.AsSpan(9, 3));
        if (bodiless || status < 200 || status is 204 or 304)
            return (head, []);
        var length = head.Split("\r\n").Select(l => l.Split(':', 2)).FirstOrDefault(p => p[0].Equals("Content-Length", StringComparison.OrdinalIgnoreCase));
        if (length is not null && !untilClose)
        {
            var count = int.Parse(length[1]);
            while (_buffered.Count < count)
                await FillAsync(cancel.Token);
            return (head, Take(count).ToArray());
        }
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            int last;
            while ((last = IndexOf("0\r\nX-Trailer: yes\r\n\r\n"u8)) < 0)
                await FillAsync(cancel.Token);
            return (head, Take(last + 21).ToArray());
        }
        while (await FillAsync(cancel.Token))
        {
        }
        return (head, Take(_buffered.Count).ToArray());
    }

    private int IndexOf(ReadOnlySpan<byte> value) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffered).IndexOf(value);

    private List<byte> Take(int count)
    {
        var taken = _buffered.GetRange(0, count);
        _buffered.RemoveRange(0, count);
        return taken;
    }

    /// <summary>False once the server has closed the connection.</summary>
    private async Task<bool> FillAsync(CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        var read = await _stream.ReadAsync(buffer, cancel);
        _buffered.AddRange(buffer.AsSpan(0, read));
        return read > 0;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
