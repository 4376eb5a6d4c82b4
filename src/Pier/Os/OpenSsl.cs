using System.Runtime.InteropServices;

namespace Pier.Os;

/// <summary>
/// The OpenSSL calls of the fast lane's TLS, called directly as nginx does: the loop reads and writes
/// the client's socket through OpenSSL, with no stream, task or copy in between. The same libssl.so.3
/// that .NET's own TLS loads, so Pier's OpenSSL settings (<see cref="Certificates.OpenSslDefaults"/>) apply.
/// </summary>
internal static unsafe partial class OpenSsl
{
    private const string Ssl = "libssl.so.3";
    private const string Crypto = "libcrypto.so.3";

    public const int SSL_ERROR_SSL = 1, SSL_ERROR_WANT_READ = 2, SSL_ERROR_WANT_WRITE = 3, SSL_ERROR_SYSCALL = 5, SSL_ERROR_ZERO_RETURN = 6;
    public const int SSL_CTRL_SET_READ_AHEAD = 41, SSL_CTRL_MODE = 33, SSL_CTRL_CHAIN_CERT = 89, SSL_CTRL_SET_MIN_PROTO_VERSION = 123;
    public const long SSL_MODE_ENABLE_PARTIAL_WRITE = 0x1, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = 0x2, SSL_MODE_NO_AUTO_CHAIN = 0x8, SSL_MODE_RELEASE_BUFFERS = 0x10;
    public const ulong SSL_OP_IGNORE_UNEXPECTED_EOF = 1ul << 7, SSL_OP_NO_COMPRESSION = 1ul << 17, SSL_OP_CIPHER_SERVER_PREFERENCE = 1ul << 22, SSL_OP_NO_RENEGOTIATION = 1ul << 30;
    public const int TLS1_2_VERSION = 0x0303;
    public const int SSL_TLSEXT_ERR_OK = 0, SSL_TLSEXT_ERR_ALERT_FATAL = 2;
    public const int OPENSSL_NPN_NEGOTIATED = 1;

    [LibraryImport(Ssl)] public static partial nint TLS_server_method();
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_new(nint method);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_free(nint ctx);
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_ctrl(nint ctx, int cmd, nint larg, nint parg);
    [LibraryImport(Ssl)] public static partial ulong SSL_CTX_set_options(nint ctx, ulong options);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_use_certificate(nint ctx, nint x509);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_use_PrivateKey(nint ctx, nint key);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_check_private_key(nint ctx);
    [LibraryImport(Ssl)]
    public static partial void SSL_CTX_set_alpn_select_cb(nint ctx, delegate* unmanaged<nint, byte**, byte*, byte*, uint, nint, int> callback, nint arg);
    [LibraryImport(Ssl)] public static partial int SSL_select_next_proto(byte** output, byte* outputLength, byte* server, uint serverLength, byte* client, uint clientLength);
    [LibraryImport(Ssl)] public static partial nint SSL_new(nint ctx);
    [LibraryImport(Ssl)] public static partial void SSL_free(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_set_fd(nint ssl, int fd);
    [LibraryImport(Ssl)] public static partial int SSL_accept(nint ssl);
    [LibraryImport(Ssl, SetLastError = true)] public static partial int SSL_read(nint ssl, byte* buffer, int length);
    [LibraryImport(Ssl, SetLastError = true)] public static partial int SSL_write(nint ssl, byte* buffer, int length);
    [LibraryImport(Ssl)] public static partial int SSL_get_error(nint ssl, int result);
    [LibraryImport(Ssl)] public static partial int SSL_has_pending(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_shutdown(nint ssl);
    [LibraryImport(Ssl)] public static partial void SSL_get0_alpn_selected(nint ssl, byte** data, uint* length);
    [LibraryImport(Crypto)] public static partial nint d2i_X509(nint reuse, byte** input, nint length);
    [LibraryImport(Crypto)] public static partial void X509_free(nint x509);
    [LibraryImport(Crypto)] public static partial nint d2i_AutoPrivateKey(nint reuse, byte** input, nint length);
    [LibraryImport(Crypto)] public static partial void EVP_PKEY_free(nint key);
    [LibraryImport(Crypto)] public static partial void ERR_clear_error();
    [LibraryImport(Crypto)] public static partial ulong ERR_get_error();
    [LibraryImport(Crypto)] public static partial void ERR_error_string_n(ulong error, byte* buffer, nint length);

    /// <summary>OpenSSL's last error on this thread, in its words, and the queue emptied.</summary>
    public static string LastError()
    {
        var error = ERR_get_error();
        ERR_clear_error();
        if (error == 0)
            return "no reason given";
        var text = stackalloc byte[256];
        ERR_error_string_n(error, text, 256);
        return Marshal.PtrToStringUTF8((nint)text) ?? "no reason given";
    }
}
