using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pier.Certificates;

/// <summary>
/// The ACME protocol (RFC 8555) over HttpClient: the directory, nonces, JWS-signed POSTs and
/// polling. badNonce is retried with the fresh nonce, Retry-After is honoured, and every problem
/// document becomes an <see cref="AcmeProblemException"/> with a readable message.
/// </summary>
internal sealed class AcmeClient : IDisposable
{
    private const int NonceAttempts = 20;
    private const string JoseJson = "application/jose+json";

    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(5);

    private readonly Uri _directoryUrl;
    private readonly AcmeAccountKey _key;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private AcmeDirectory? _directory;
    private string? _nonce;

    /// <param name="caRootFile">A PEM root trusted in addition to the system's, for a private ACME server.</param>
    public AcmeClient(Uri directoryUrl, AcmeAccountKey key, string? caRootFile, TimeProvider time)
    {
        _directoryUrl = directoryUrl;
        _key = key;
        _time = time;
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (caRootFile is not null)
        {
            var root = X509Certificate2.CreateFromPem(File.ReadAllText(caRootFile));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                errors == SslPolicyErrors.None
                || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is X509Certificate2 leaf && chain is not null
                    && ChainsTo(leaf, chain, root));
        }
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("pier", "1"));
    }

    /// <summary>The account URL once <see cref="RegisterAsync"/> ran.</summary>
    public Uri? Account { get; private set; }

    public AcmeAccountKey Key => _key;

    public async Task<AcmeDirectory> DirectoryAsync(CancellationToken cancellation)
    {
        if (_directory is not null)
            return _directory;
        using var response = await _http.GetAsync(_directoryUrl, cancellation);
        var text = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the ACME directory {_directoryUrl} answered {(int)response.StatusCode}");
        return _directory = AcmeDirectory.Parse(JsonDocument.Parse(text).RootElement);
    }

    /// <summary>
    /// newAccount with the kept key: the server returns the existing account or makes one (a
    /// server that forgot its accounts, like a restarted pebble, simply makes it again).
    /// </summary>
    public async Task RegisterAsync(string? email, CancellationToken cancellation)
    {
        var directory = await DirectoryAsync(cancellation);
        var payload = new JsonObject { ["termsOfServiceAgreed"] = true };
        if (email is not null)
            payload["contact"] = new JsonArray($"mailto:{email}");
        var response = await SendAsync(directory.NewAccount, payload.ToJsonString(), useJwk: true, "registering the ACME account", cancellation);
        Account = response.Location ?? throw new InvalidDataException("the ACME server returned no account URL");
    }

    /// <summary>A signed POST; a null payload is POST-as-GET.</summary>
    public Task<AcmeResponse> PostAsync(Uri url, JsonNode? payload, string context, CancellationToken cancellation) =>
        SendAsync(url, payload?.ToJsonString() ?? "", useJwk: false, context, cancellation);

    /// <summary>An unsigned GET, as ARI uses.</summary>
    public async Task<AcmeResponse> GetAsync(Uri url, string context, CancellationToken cancellation)
    {
        using var response = await _http.GetAsync(url, cancellation);
        return await ReadAsync(response, context, cancellation);
    }

    /// <summary>POST-as-GET until <paramref name="done"/> holds, waiting as the server asks (Retry-After) or with a growing delay.</summary>
    public async Task<AcmeResponse> PollAsync(Uri url, Func<AcmeResponse, bool> done, TimeSpan timeout, string context, CancellationToken cancellation)
    {
        var deadline = _time.GetUtcNow() + timeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            var response = await PostAsync(url, null, context, cancellation);
            if (done(response))
                return response;
            var wait = response.RetryAfter ?? delay;
            if (_time.GetUtcNow() + wait > deadline)
                throw new TimeoutException($"{context}: still {response.Status} after {timeout.TotalSeconds:0}s");
            await Task.Delay(wait, _time, cancellation);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }

    private async Task<AcmeResponse> SendAsync(Uri url, string payload, bool useJwk, string context, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            var nonce = _nonce ?? await NewNonceAsync(cancellation);
            _nonce = null;
            var header = new JsonObject { ["alg"] = "ES256", ["nonce"] = nonce, ["url"] = url.AbsoluteUri };
            if (useJwk)
                header["jwk"] = JsonNode.Parse(_key.Jwk);
            else
                header["kid"] = (Account ?? throw new InvalidOperationException("no ACME account yet")).AbsoluteUri;
            var protectedB64 = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()));
            var payloadB64 = payload.Length == 0 ? "" : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
            var signature = Base64Url.EncodeToString(_key.Sign(Encoding.ASCII.GetBytes(protectedB64 + "." + payloadB64)));
            var body = new JsonObject { ["protected"] = protectedB64, ["payload"] = payloadB64, ["signature"] = signature }.ToJsonString();

            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body) };
            // Exactly this media type: servers reject a charset parameter with 415.
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(JoseJson);
            using var response = await _http.SendAsync(request, cancellation);
            try
            {
                return await ReadAsync(response, context, cancellation);
            }
            catch (AcmeProblemException e) when (e.Is("badNonce") && attempt < NonceAttempts)
            {
                // The rejected response carried a fresh nonce (kept by ReadAsync); sign again with it.
            }
        }
    }

    private async Task<AcmeResponse> ReadAsync(HttpResponseMessage response, string context, CancellationToken cancellation)
    {
        if (response.Headers.TryGetValues("Replay-Nonce", out var nonces))
            _nonce = nonces.FirstOrDefault();
        var text = await response.Content.ReadAsStringAsync(cancellation);
        var retryAfter = RetryAfter(response);
        if (response.IsSuccessStatusCode)
            return new AcmeResponse(response.Headers.Location is { } location ? new Uri(response.RequestMessage!.RequestUri!, location) : null, retryAfter, text);
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            throw AcmeProblemException.FromDocument(JsonDocument.Parse(text).RootElement, context, retryAfter);
        throw new AcmeProblemException("", $"{context}: the ACME server answered {(int)response.StatusCode} {response.ReasonPhrase}", retryAfter);
    }

    private async Task<string> NewNonceAsync(CancellationToken cancellation)
    {
        var directory = await DirectoryAsync(cancellation);
        using var request = new HttpRequestMessage(HttpMethod.Head, directory.NewNonce);
        using var response = await _http.SendAsync(request, cancellation);
        return response.Headers.TryGetValues("Replay-Nonce", out var nonces) && nonces.FirstOrDefault() is { } nonce
            ? nonce
            : throw new InvalidDataException($"the ACME server gave no nonce at {directory.NewNonce}");
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
            return delta;
        if (header?.Date is { } date)
            return date > _time.GetUtcNow() ? date - _time.GetUtcNow() : TimeSpan.Zero;
        return null;
    }

    private static bool ChainsTo(X509Certificate2 leaf, X509Chain presented, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    public void Dispose() => _http.Dispose();
}
