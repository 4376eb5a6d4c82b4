using System.Text.Json;

namespace Pier.Certificates;

/// <summary>What an ACME request returned: the body (JSON, or PEM text for a certificate) and the headers that drive the flow.</summary>
internal sealed record AcmeResponse(Uri? Location, TimeSpan? RetryAfter, string Text)
{
    /// <summary>The body as JSON; an undefined element when the body is not a JSON object (a PEM chain).</summary>
    public JsonElement Json { get; } = Text.StartsWith('{') ? JsonDocument.Parse(Text).RootElement.Clone() : default;

    public string Status => Json.GetProperty("status").GetString() ?? "";
}
