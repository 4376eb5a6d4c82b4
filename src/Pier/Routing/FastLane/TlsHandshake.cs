using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// A client connection's first step on the HTTPS port: waits for the whole first record of the client's
/// hello (without taking it from the socket), says when the connection is Kestrel's to terminate, and
/// otherwise makes the handshake through OpenSSL.
/// </summary>
internal static class TlsHandshake
{
    public enum Step
    {
        /// <summary>Wait for the socket: with the interest given, or as before when it is 0.</summary>
        Wait,
        Failed,
        /// <summary>Not the loops' to terminate: the connection goes to Kestrel untouched.</summary>
        Kestrel,
        Done,
    }

    public static Step Advance(SocketStream stream, int fd, TlsTermination tls, byte[] scratch, out uint interest)
    {
        interest = 0;
        if (!stream.IsTls)
        {
            var peeked = Native.Peek(fd, scratch);
            if (peeked < 0 && Native.Errno == Native.EAGAIN)
                return Step.Wait;
            if (peeked <= 0)
                return Step.Failed;
            switch (tls.Decide(new ReadOnlySpan<byte>(scratch, 0, (int)peeked), out var context))
            {
                case TlsTermination.Decision.NeedMore:
                    // The bytes stay in the socket, which would wake the loop again and again: only new ones should.
                    interest = Native.EPOLLIN | Native.EPOLLRDHUP | Native.EPOLLET;
                    return Step.Wait;
                case TlsTermination.Decision.Kestrel:
                    return Step.Kestrel;
            }
            var ssl = tls.NewSession(fd, context);
            if (ssl == 0)
                return Step.Failed;
            stream.StartTls(ssl);
        }
        var handshake = stream.Accept();
        interest = handshake switch
        {
            SocketStream.Handshake.WantRead => Native.EPOLLIN | Native.EPOLLRDHUP,
            SocketStream.Handshake.WantWrite => Native.EPOLLOUT,
            _ => 0,
        };
        return handshake switch
        {
            SocketStream.Handshake.WantRead or SocketStream.Handshake.WantWrite => Step.Wait,
            SocketStream.Handshake.Failed => Step.Failed,
            _ => Step.Done,
        };
    }
}
