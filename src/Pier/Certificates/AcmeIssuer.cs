using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pier.Configuration;

namespace Pier.Certificates;

/// <summary>
/// Gets certificates from an ACME CA: account, order for the configured names, one challenge per
/// name answered by Pier's own listeners, finalize with a fresh key, download the chain.
/// </summary>
internal sealed class AcmeIssuer : ICertificateIssuer, IDisposable
{
    private static readonly TimeSpan ValidationTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan IssuanceTimeout = TimeSpan.FromMinutes(2);

    private readonly HttpsConfig _config;
    private readonly ChallengeResponder _challenges;
    private readonly AcmeClient _client;

    public AcmeIssuer(HttpsConfig config, Uri directory, string storageDirectory, ChallengeResponder challenges, TimeProvider time)
    {
        _config = config;
        _challenges = challenges;
        StorageDirectory = storageDirectory;
        _client = new AcmeClient(directory, AcmeAccountKey.LoadOrCreate(Path.Combine(storageDirectory, "account.key")), config.CaRoot, time);
    }

    public CertificateSource Source => CertificateSource.Acme;

    public string StorageDirectory { get; }

    public async Task<IssuedCertificate> IssueAsync(IReadOnlyList<string> domains, ServedCertificate? replacing, CancellationToken cancellation)
    {
        var directory = await _client.DirectoryAsync(cancellation);
        await _client.RegisterAsync(_config.Email, cancellation);

        var identifiers = new JsonArray(domains.Select(d => (JsonNode)new JsonObject { ["type"] = "dns", ["value"] = d }).ToArray());
        var what = $"ordering a certificate for {string.Join(", ", domains)}";
        AcmeResponse order;
        if (directory.RenewalInfo is not null && replacing?.Source == CertificateSource.Acme && TryCertificateId(replacing) is { } replaces)
        {
            try
            {
                order = await _client.PostAsync(directory.NewOrder, new JsonObject { ["identifiers"] = identifiers.DeepClone(), ["replaces"] = replaces }, what, cancellation);
            }
            catch (AcmeProblemException)
            {
                // The CA may refuse `replaces` (say, the certificate was already replaced); a plain order still works.
                order = await _client.PostAsync(directory.NewOrder, new JsonObject { ["identifiers"] = identifiers }, what, cancellation);
            }
        }
        else
        {
            order = await _client.PostAsync(directory.NewOrder, new JsonObject { ["identifiers"] = identifiers }, what, cancellation);
        }
        var orderUrl = order.Location ?? throw new InvalidDataException("the ACME server returned no order URL");

        foreach (var authorization in order.Json.GetProperty("authorizations").EnumerateArray())
            await AuthorizeAsync(new Uri(authorization.GetString()!), cancellation);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domains[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var domain in domains)
            san.AddDnsName(domain);
        request.CertificateExtensions.Add(san.Build());
        var csr = System.Buffers.Text.Base64Url.EncodeToString(request.CreateSigningRequest());
        var finalize = new Uri(order.Json.GetProperty("finalize").GetString()!);
        await _client.PostAsync(finalize, new JsonObject { ["csr"] = csr }, what, cancellation);

        var done = await _client.PollAsync(orderUrl, r => r.Status is "valid" or "invalid", IssuanceTimeout, what, cancellation);
        if (done.Status != "valid")
            throw Failure(done.Json, what, "the order became invalid");
        var certificateUrl = new Uri(done.Json.GetProperty("certificate").GetString()!);
        var chain = await _client.PostAsync(certificateUrl, null, "downloading the certificate", cancellation);
        return new IssuedCertificate(chain.Text, key.ExportPkcs8PrivateKeyPem());
    }

    public async Task<RenewalWindow?> RenewalWindowAsync(ServedCertificate current, CancellationToken cancellation)
    {
        var directory = await _client.DirectoryAsync(cancellation);
        if (directory.RenewalInfo is null || current.Source != CertificateSource.Acme || TryCertificateId(current) is not { } id)
            return null;
        var response = await _client.GetAsync(new Uri(directory.RenewalInfo.AbsoluteUri.TrimEnd('/') + "/" + id), "asking for renewal information", cancellation);
        return RenewalWindow.Parse(response.Text);
    }

    private async Task AuthorizeAsync(Uri url, CancellationToken cancellation)
    {
        var authorization = await _client.PostAsync(url, null, "reading an authorization", cancellation);
        if (authorization.Status == "valid")
            return;
        var domain = authorization.Json.GetProperty("identifier").GetProperty("value").GetString()!;
        var preferred = _config.Challenge ?? HttpsConfig.Http01;
        var challenges = authorization.Json.GetProperty("challenges").EnumerateArray().ToList();
        var challenge = challenges.FirstOrDefault(c => c.GetProperty("type").GetString() == preferred);
        if (challenge.ValueKind == JsonValueKind.Undefined)
            challenge = challenges.FirstOrDefault(c => c.GetProperty("type").GetString() is HttpsConfig.Http01 or HttpsConfig.TlsAlpn01);
        if (challenge.ValueKind == JsonValueKind.Undefined)
            throw new AcmeProblemException("", $"validating {domain}: the CA offers neither http-01 nor tls-alpn-01 ({string.Join(", ", challenges.Select(c => c.GetProperty("type").GetString()))})");

        var type = challenge.GetProperty("type").GetString()!;
        var token = challenge.GetProperty("token").GetString()!;
        var keyAuthorization = _client.Key.KeyAuthorization(token);
        var what = $"validating {domain} over {type}";
        if (type == HttpsConfig.Http01)
            _challenges.OpenHttp01(token, keyAuthorization);
        else
            _challenges.OpenTlsAlpn01(domain, keyAuthorization);
        try
        {
            await _client.PostAsync(new Uri(challenge.GetProperty("url").GetString()!), new JsonObject(), what, cancellation);
            var result = await _client.PollAsync(url, r => r.Status is not ("pending" or "processing"), ValidationTimeout, what, cancellation);
            if (result.Status != "valid")
            {
                var failed = result.Json.GetProperty("challenges").EnumerateArray()
                    .FirstOrDefault(c => c.TryGetProperty("error", out _));
                throw Failure(failed.ValueKind == JsonValueKind.Undefined ? result.Json : failed, what, $"the authorization became {result.Status}");
            }
        }
        finally
        {
            if (type == HttpsConfig.Http01)
                _challenges.CloseHttp01(token);
            else
                _challenges.CloseTlsAlpn01(domain);
        }
    }

    private static AcmeProblemException Failure(JsonElement withError, string what, string fallback) =>
        withError.ValueKind == JsonValueKind.Object && withError.TryGetProperty("error", out var error)
            ? AcmeProblemException.FromDocument(error, what)
            : new AcmeProblemException("", $"{what}: {fallback}");

    private static string? TryCertificateId(ServedCertificate certificate)
    {
        try
        {
            return RenewalWindow.CertificateId(certificate.Leaf);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _client.Key.Dispose();
        _client.Dispose();
    }
}
