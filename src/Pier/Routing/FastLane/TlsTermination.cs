using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pier.Certificates;
using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// HTTPS in the fast lane: one OpenSSL context per certificate served, built when the store's certificate
/// changes (a renewal reaches new connections at once, open ones keep theirs), TLS 1.2 and 1.3 with Pier's
/// suites, ALPN h2 and http/1.1. What the loops do not terminate themselves goes to Kestrel's TLS socket
/// untouched: an ACME validator's <c>acme-tls/1</c> hello (Kestrel's <see cref="CertificateSelector"/>
/// answers it), anything that is not a TLS hello, and every hello while there is no certificate yet, or
/// one that Pier's OpenSSL calls cannot use (no libssl.so.3 here, a key OpenSSL refuses: said once in the log).
/// </summary>
internal sealed unsafe class TlsTermination
{
    internal enum Decision { NeedMore, Kestrel, Terminate }

    // ALPN wire format, in the order the server prefers; OpenSSL reads it during handshakes, so it never moves.
    private static readonly byte* Protocols = AllocateProtocols();
    private static readonly int ProtocolsLength = 12;

    // Contexts no longer current are freed this long after, when no loop can still be about to start a connection with one.
    private static readonly TimeSpan RetiredFor = TimeSpan.FromMinutes(1);

    private readonly CertificateStore _store;
    private readonly Action<string> _log;
    private readonly Lock _lock = new();
    private readonly List<(nint Context, DateTime Since)> _retired = [];
    private Built? _current;

    /// <summary>The OpenSSL context made for a certificate; 0 when OpenSSL could not take it.</summary>
    private sealed record Built(ServedCertificate Certificate, nint Context);

    /// <param name="hsts">The Strict-Transport-Security value answers get, or null.</param>
    public TlsTermination(CertificateStore store, string? hsts, Action<string> log)
    {
        _store = store;
        _log = log;
        HstsHeader = hsts is null ? "" : $"Strict-Transport-Security: {hsts}\r\n";
        HstsBytes = System.Text.Encoding.ASCII.GetBytes(HstsHeader);
    }

    /// <summary>The header line every answer over HTTPS gets (empty when HSTS is off).</summary>
    public string HstsHeader { get; }

    public byte[] HstsBytes { get; }

    private static byte* AllocateProtocols()
    {
        ReadOnlySpan<byte> wire = "\u0002h2\u0008http/1.1"u8;
        var memory = (byte*)NativeMemory.Alloc((nuint)wire.Length);
        wire.CopyTo(new Span<byte>(memory, wire.Length));
        return memory;
    }

    /// <summary>
    /// What to do with a connection whose first bytes are <paramref name="peeked"/>; with
    /// <see cref="Decision.Terminate"/>, the OpenSSL context to make its connection with.
    /// </summary>
    public Decision Decide(ReadOnlySpan<byte> peeked, out nint context)
    {
        context = 0;
        // Not a TLS handshake (Kestrel's TLS refuses it as it always has), or a first record too long to peek at whole.
        if (AcmeTlsAlpnDetector.RecordLength(peeked) is not { } length || length > AcmeTlsAlpnDetector.MaxRecord)
            return Decision.Kestrel;
        if (peeked.Length < length)
            return Decision.NeedMore;
        if (AcmeTlsAlpnDetector.OffersProtocol(peeked[..length], AcmeTlsAlpnDetector.Protocol))
            return Decision.Kestrel;
        context = ContextOfCurrent();
        return context == 0 ? Decision.Kestrel : Decision.Terminate;
    }

    /// <summary>A new OpenSSL connection on <paramref name="fd"/> with a context <see cref="Decide"/> gave; 0 when OpenSSL cannot make one (logged).</summary>
    public nint NewSession(int fd, nint context)
    {
        OpenSsl.ERR_clear_error();
        var ssl = OpenSsl.SSL_new(context);
        if (ssl == 0)
        {
            _log($"fast lane: cannot start a TLS connection: {OpenSsl.LastError()}");
            return 0;
        }
        OpenSsl.SSL_set_fd(ssl, fd);
        return ssl;
    }

    private nint ContextOfCurrent()
    {
        var certificate = _store.Current;
        if (certificate is null)
            return 0;
        if (Volatile.Read(ref _current) is { } known && ReferenceEquals(known.Certificate, certificate))
            return known.Context;
        lock (_lock)
        {
            if (_current is { } built && ReferenceEquals(built.Certificate, certificate))
                return built.Context;
            nint context = 0;
            try
            {
                context = Build(certificate);
            }
            catch (Exception e) when (e is CryptographicException or DllNotFoundException or EntryPointNotFoundException)
            {
                _log($"fast lane: cannot serve this certificate with OpenSSL ({e.Message}); Kestrel terminates HTTPS instead");
            }
            // Connections made with a context hold a reference of their own (OpenSSL counts them); the context itself
            // goes a minute after it was replaced, when no loop can be about to start a connection with it.
            var now = DateTime.UtcNow;
            foreach (var old in _retired.Where(r => now - r.Since > RetiredFor).ToList())
            {
                OpenSsl.SSL_CTX_free(old.Context);
                _retired.Remove(old);
            }
            if (_current is { Context: not 0 } replaced)
                _retired.Add((replaced.Context, now));
            Volatile.Write(ref _current, new Built(certificate, context));
            return context;
        }
    }

    /// <exception cref="CryptographicException">OpenSSL refused the certificate or its key.</exception>
    private static nint Build(ServedCertificate certificate)
    {
        OpenSsl.ERR_clear_error();
        var context = OpenSsl.SSL_CTX_new(OpenSsl.TLS_server_method());
        if (context == 0)
            throw new CryptographicException(OpenSsl.LastError());
        try
        {
            // Protocol floor as Kestrel's path sets it; the suites come from Pier's OpenSSL settings, as for Kestrel.
            OpenSsl.SSL_CTX_ctrl(context, OpenSsl.SSL_CTRL_SET_MIN_PROTO_VERSION, OpenSsl.TLS1_2_VERSION, 0);
            OpenSsl.SSL_CTX_set_options(context, OpenSsl.SSL_OP_NO_COMPRESSION | OpenSsl.SSL_OP_CIPHER_SERVER_PREFERENCE | OpenSsl.SSL_OP_NO_RENEGOTIATION
                // A client that closes without close_notify ends its stream as a plain one does.
                | OpenSsl.SSL_OP_IGNORE_UNEXPECTED_EOF);
            // Partial writes as send(2) makes them; buffers let go while a connection is idle, as nginx does. The chain
            // sent is the one given below: without NO_AUTO_CHAIN OpenSSL would try to build one at every handshake
            // (no difference measurable on this machine's handshake rate: docs/benchmarks.md).
            OpenSsl.SSL_CTX_ctrl(context, OpenSsl.SSL_CTRL_MODE, (nint)(OpenSsl.SSL_MODE_ENABLE_PARTIAL_WRITE
                | OpenSsl.SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | OpenSsl.SSL_MODE_NO_AUTO_CHAIN | OpenSsl.SSL_MODE_RELEASE_BUFFERS), 0);
            // A record is read with one recv(2), not two (its 5-byte header, then the rest): what else came with it
            // stays in OpenSSL's buffer, which the loops check after every read (SocketStream.HasPending).
            OpenSsl.SSL_CTX_ctrl(context, OpenSsl.SSL_CTRL_SET_READ_AHEAD, 1, 0);
            Use(context, certificate.Leaf.RawData, (ctx, x509) => OpenSsl.SSL_CTX_use_certificate(ctx, x509) == 1);
            foreach (var intermediate in certificate.Context.IntermediateCertificates)
                Use(context, intermediate.RawData, (ctx, x509) => OpenSsl.SSL_CTX_ctrl(ctx, OpenSsl.SSL_CTRL_CHAIN_CERT, 1, x509) == 1);
            UseKey(context, PrivateKey(certificate));
            OpenSsl.SSL_CTX_set_alpn_select_cb(context, &SelectProtocol, 0);
            return context;
        }
        catch
        {
            OpenSsl.SSL_CTX_free(context);
            throw;
        }
    }

    private static byte[] PrivateKey(ServedCertificate certificate)
    {
        var leaf = certificate.Leaf;
        using AsymmetricAlgorithm? key = (AsymmetricAlgorithm?)leaf.GetECDsaPrivateKey() ?? leaf.GetRSAPrivateKey();
        return key?.ExportPkcs8PrivateKey() ?? throw new CryptographicException("the certificate's key is neither ECDSA nor RSA");
    }

    /// <summary>Hands a DER certificate to <paramref name="use"/>, which takes its own reference.</summary>
    private static void Use(nint context, byte[] der, Func<nint, nint, bool> use)
    {
        nint x509;
        fixed (byte* bytes = der)
        {
            var at = bytes;
            x509 = OpenSsl.d2i_X509(0, &at, der.Length);
        }
        if (x509 == 0)
            throw new CryptographicException(OpenSsl.LastError());
        try
        {
            if (!use(context, x509))
                throw new CryptographicException(OpenSsl.LastError());
        }
        finally
        {
            OpenSsl.X509_free(x509);
        }
    }

    private static void UseKey(nint context, byte[] pkcs8)
    {
        nint key;
        try
        {
            fixed (byte* bytes = pkcs8)
            {
                var at = bytes;
                key = OpenSsl.d2i_AutoPrivateKey(0, &at, pkcs8.Length);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
        if (key == 0)
            throw new CryptographicException(OpenSsl.LastError());
        try
        {
            if (OpenSsl.SSL_CTX_use_PrivateKey(context, key) != 1 || OpenSsl.SSL_CTX_check_private_key(context) != 1)
                throw new CryptographicException(OpenSsl.LastError());
        }
        finally
        {
            OpenSsl.EVP_PKEY_free(key);
        }
    }

    /// <summary>OpenSSL's ALPN callback: h2 or http/1.1, whichever the client lists that Pier prefers; a client offering neither is refused.</summary>
    [UnmanagedCallersOnly]
    private static int SelectProtocol(nint ssl, byte** output, byte* outputLength, byte* client, uint clientLength, nint arg)
    {
        byte* chosen;
        byte chosenLength;
        if (OpenSsl.SSL_select_next_proto(&chosen, &chosenLength, Protocols, (uint)ProtocolsLength, client, clientLength) != OpenSsl.OPENSSL_NPN_NEGOTIATED)
            return OpenSsl.SSL_TLSEXT_ERR_ALERT_FATAL;  // RFC 7301 §3.2, as nginx and Kestrel answer
        *output = chosen;
        *outputLength = chosenLength;
        return OpenSsl.SSL_TLSEXT_ERR_OK;
    }
}
