using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// A connected socket as a loop reads and writes it: plainly with recv/send, or through OpenSSL once a
/// TLS handshake has been started on it. Both answer alike: bytes moved, 0 at the end of the stream,
/// <see cref="WouldBlock"/> or <see cref="Broken"/>.
/// </summary>
internal sealed unsafe class SocketStream(int fd)
{
    public const int WouldBlock = -1, Broken = -2;

    internal enum Handshake { Done, WantRead, WantWrite, Failed }

    private nint _ssl;
    private bool _failed, _shutDown;

    public int Fd { get; } = fd;

    public bool IsTls => _ssl != 0;

    /// <summary>True when OpenSSL last needed to write to go on reading (a TLS 1.3 key update into a full socket): wait for EPOLLOUT.</summary>
    public bool ReadWantsWrite { get; private set; }

    /// <summary>Bytes OpenSSL holds, decrypted or not, that no read has taken: no socket event announces them.</summary>
    public bool HasPending => _ssl != 0 && OpenSsl.SSL_has_pending(_ssl) == 1;

    /// <summary>The protocol ALPN chose, or null.</summary>
    public string? Protocol
    {
        get
        {
            if (_ssl == 0)
                return null;
            byte* data;
            uint length;
            OpenSsl.SSL_get0_alpn_selected(_ssl, &data, &length);
            return length == 0 ? null : System.Text.Encoding.ASCII.GetString(data, (int)length);
        }
    }

    /// <summary>From here on the stream speaks TLS through <paramref name="ssl"/>, which it owns.</summary>
    public void StartTls(nint ssl) => _ssl = ssl;

    public Handshake Accept()
    {
        OpenSsl.ERR_clear_error();
        var result = OpenSsl.SSL_accept(_ssl);
        if (result == 1)
            return Handshake.Done;
        return OpenSsl.SSL_get_error(_ssl, result) switch
        {
            OpenSsl.SSL_ERROR_WANT_READ => Handshake.WantRead,
            OpenSsl.SSL_ERROR_WANT_WRITE => Handshake.WantWrite,
            _ => Fail(),
        };
    }

    private Handshake Fail()
    {
        _failed = true;
        return Handshake.Failed;
    }

    public nint Receive(byte[] buffer, int offset, int count)
    {
        if (_ssl == 0)
            return Plain(Native.Receive(Fd, buffer, offset, count));
        ReadWantsWrite = false;
        var result = Tls(buffer, offset, count, write: false);
        if (result > 0)
            return result;
        switch (OpenSsl.SSL_get_error(_ssl, result))
        {
            case OpenSsl.SSL_ERROR_WANT_READ:
                return WouldBlock;
            case OpenSsl.SSL_ERROR_WANT_WRITE:
                ReadWantsWrite = true;
                return WouldBlock;
            case OpenSsl.SSL_ERROR_ZERO_RETURN:
                return 0;
            default:
                _failed = true;
                return Broken;
        }
    }

    /// <remarks>OpenSSL writes with write(2), without MSG_NOSIGNAL: a client gone is EPIPE and not a signal only because
    /// .NET ignores SIGPIPE for the whole process.</remarks>
    public nint Send(byte[] buffer, int offset, int count)
    {
        if (_ssl == 0)
            return Plain(Native.Send(Fd, buffer, offset, count));
        var result = Tls(buffer, offset, count, write: true);
        if (result > 0)
            return result;
        if (OpenSsl.SSL_get_error(_ssl, result) == OpenSsl.SSL_ERROR_WANT_WRITE)
            return WouldBlock;
        _failed = true;
        return Broken;
    }

    /// <summary>Ends what this side writes: a FIN, or over TLS a close_notify (sent when the socket takes it at once).</summary>
    public void ShutdownWrite()
    {
        if (_ssl == 0)
        {
            Native.shutdown(Fd, Native.SHUT_WR);
            return;
        }
        Notify();
    }

    private void Notify()
    {
        // After a fatal error OpenSSL must not be asked to shut down; and close_notify goes once.
        if (_failed || _shutDown)
            return;
        _shutDown = true;
        OpenSsl.ERR_clear_error();
        OpenSsl.SSL_shutdown(_ssl);
    }

    /// <summary>SSL_read or SSL_write on part of a managed buffer, with OpenSSL's error queue emptied first, as SSL_get_error needs.</summary>
    private int Tls(byte[] buffer, int offset, int count, bool write)
    {
        OpenSsl.ERR_clear_error();
        fixed (byte* bytes = buffer)
            return write ? OpenSsl.SSL_write(_ssl, bytes + offset, count) : OpenSsl.SSL_read(_ssl, bytes + offset, count);
    }

    /// <summary>What recv(2) or send(2) returned, in this class's terms.</summary>
    private static nint Plain(nint result) => result >= 0 ? result : Native.Errno == Native.EAGAIN ? WouldBlock : Broken;

    /// <summary>
    /// Sends close_notify when it can go at once and lets go of OpenSSL's state; the caller closes the socket.
    /// </summary>
    public void Release(bool notify)
    {
        if (_ssl == 0)
            return;
        if (notify)
            Notify();
        OpenSsl.ERR_clear_error();
        OpenSsl.SSL_free(_ssl);
        _ssl = 0;
    }
}
