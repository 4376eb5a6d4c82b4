using System.Buffers.Text;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Pier.Certificates;

/// <summary>The window a CA suggests for renewing one certificate (ACME Renewal Information, RFC 9773).</summary>
internal sealed record RenewalWindow(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>
    /// The ARI certificate identifier: base64url of the authority key identifier, a dot, and
    /// base64url of the serial number's DER bytes (big-endian, a leading 00 kept).
    /// </summary>
    /// <exception cref="InvalidDataException">The certificate has no authority key identifier.</exception>
    public static string CertificateId(X509Certificate2 certificate)
    {
        var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier
            ?? throw new InvalidDataException("the certificate has no authority key identifier, so ARI cannot name it");
        return Base64Url.EncodeToString(aki.Span) + "." + Base64Url.EncodeToString(certificate.SerialNumberBytes.Span);
    }

    /// <summary>Reads a renewalInfo document: <c>{"suggestedWindow": {"start": …, "end": …}}</c>.</summary>
    /// <exception cref="InvalidDataException">Not a renewalInfo document, or a window that ends before it starts.</exception>
    public static RenewalWindow Parse(string json)
    {
        try
        {
            var window = JsonDocument.Parse(json).RootElement.GetProperty("suggestedWindow");
            var start = window.GetProperty("start").GetDateTimeOffset();
            var end = window.GetProperty("end").GetDateTimeOffset();
            return end >= start ? new RenewalWindow(start, end) : throw new InvalidDataException("the suggested window ends before it starts");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"not a renewalInfo document: {e.Message}");
        }
    }
}
