using System.Text.Json;

namespace Pier.Certificates;

/// <summary>The URLs an ACME server announces in its directory.</summary>
/// <param name="RenewalInfo">The ARI base URL (RFC 9773), when the server offers it.</param>
internal sealed record AcmeDirectory(Uri NewNonce, Uri NewAccount, Uri NewOrder, Uri? RenewalInfo)
{
    public static AcmeDirectory Parse(JsonElement json) => new(
        new Uri(json.GetProperty("newNonce").GetString()!),
        new Uri(json.GetProperty("newAccount").GetString()!),
        new Uri(json.GetProperty("newOrder").GetString()!),
        json.TryGetProperty("renewalInfo", out var ari) && ari.GetString() is { } url ? new Uri(url) : null);
}
