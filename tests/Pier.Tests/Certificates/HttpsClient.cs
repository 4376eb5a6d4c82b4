using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Pier.Tests.Certificates;

/// <summary>
/// An HTTPS client for test domains: every connection goes to 127.0.0.1 on Pier's HTTPS port while
/// SNI and the URL keep the domain. The chain is verified against the given root using only the
/// intermediates the server sent, so a server that sends just the leaf fails.
/// </summary>
internal sealed class HttpsClient : IDisposable
{
    private readonly HttpClient _http;
    private volatile string? _lastSerial;
    private volatile int _lastIntermediates;

    public HttpsClient(int httpsPort, X509Certificate2 root, TimeSpan? pooledConnectionLifetime = null)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = pooledConnectionLifetime ?? TimeSpan.FromSeconds(1),
            ConnectCallback = async (_, cancellation) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(System.Net.IPAddress.Loopback, httpsPort, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || certificate is not X509Certificate2 leaf || chain is null)
                        return false;
                    using var custom = new X509Chain();
                    custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    custom.ChainPolicy.CustomTrustStore.Add(root);
                    custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
                    custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    _lastSerial = leaf.SerialNumber;
                    _lastIntermediates = chain.ChainPolicy.ExtraStore.Count;
                    return custom.Build(leaf);
                },
            },
        })
        { Timeout = TimeSpan.FromSeconds(10) };
        Port = httpsPort;
    }

    public int Port { get; }

    /// <summary>The serial number of the certificate seen on the newest connection.</summary>
    public string? LastSerial => _lastSerial;

    /// <summary>How many certificates besides the leaf the server sent on the newest connection.</summary>
    public int LastIntermediates => _lastIntermediates;

    public Task<HttpResponseMessage> GetAsync(string domain, string path = "/", Version? version = null) =>
        _http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"https://{domain}:{Port}{path}")
        {
            Version = version ?? System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });

    public void Dispose() => _http.Dispose();
}
