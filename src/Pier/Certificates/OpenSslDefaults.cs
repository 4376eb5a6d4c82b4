using System.Security.Cryptography;
using Pier.Os;

namespace Pier.Certificates;

/// <summary>
/// OpenSSL's defaults for Pier's own process: TLS 1.2 and 1.3 only, and for TLS 1.2 only
/// forward-secret AEAD suites (Mozilla's "intermediate" list without DHE). OpenSSL's default also offers
/// CBC suites, which scanners flag as weak. AES-128-GCM comes first, in Mozilla's order as in Caddy's and
/// Go's, where OpenSSL's default puts AES-256-GCM with SHA-384 first: the same security level as the
/// P-256 and X25519 keys, and cheaper handshakes on CPUs with SHA extensions (docs/benchmarks.md).
/// Setting the list here rather than with .NET's
/// <c>CipherSuitesPolicy</c> keeps .NET's cached TLS context: with a policy, every handshake builds its own
/// (bench/proxy.sh: ~35% fewer handshakes per second). OpenSSL reads <c>OPENSSL_CONF</c> once, at its
/// first use, so this must run before anything in the process touches cryptography.
/// </summary>
internal static class OpenSslDefaults
{
    private const string Variable = "OPENSSL_CONF";

    private const string Text = """
        # Written by Pier for its own process (OPENSSL_CONF); its workers do not get it.
        openssl_conf = pier_openssl
        [pier_openssl]
        ssl_conf = pier_ssl
        [pier_ssl]
        system_default = pier_tls
        [pier_tls]
        MinProtocol = TLSv1.2
        CipherString = ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:@SECLEVEL=2
        Ciphersuites = TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256

        """;

    /// <summary>
    /// Points OpenSSL at Pier's settings, kept in the state directory. Null when applied; otherwise why
    /// not (the operator's own OPENSSL_CONF wins, or the file cannot be written), for Pier to say.
    /// </summary>
    public static string? Apply(string stateDirectory)
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } own)
            return $"{Variable} is set ({own}), so its TLS settings apply instead of Pier's";
        var path = Path.Combine(stateDirectory, "openssl.cnf");
        try
        {
            // Written again at every start when it differs, so a torn write after a crash mends itself: no fsync.
            if (!File.Exists(path) || File.ReadAllText(path) != Text)
                File.WriteAllText(path, Text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write {path} ({e.Message}), so OpenSSL's default TLS 1.2 suites (CBC too) are offered";
        }
        // OpenSSL reads the process's environment through getenv(3), hence the C library's copy. It reads it once, at its initialization: a first hash does that now, and then
        // the variable goes, so that no worker or step inherits Pier's settings.
        NativeEnvironment.Set(Variable, path);
        SHA256.HashData([]);
        NativeEnvironment.Unset(Variable);
        return null;
    }
}
