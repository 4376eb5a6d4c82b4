using System.Text.Json;

namespace Pier.Certificates;

/// <summary>
/// An ACME problem document (RFC 7807) as one line an operator can act on: the short type, the
/// detail, and the domain each subproblem is about.
/// </summary>
internal sealed class AcmeProblemException : Exception
{
    private const string AcmePrefix = "urn:ietf:params:acme:error:";

    public AcmeProblemException(string type, string message, TimeSpan? retryAfter = null)
        : base(message)
    {
        Type = type;
        RetryAfter = retryAfter;
    }

    /// <summary>The full type URN, e.g. urn:ietf:params:acme:error:badNonce.</summary>
    public string Type { get; }

    /// <summary>How long the server asked to wait before trying again, when it said.</summary>
    public TimeSpan? RetryAfter { get; }

    public bool Is(string shortType) => Type == AcmePrefix + shortType;

    /// <param name="context">What was being done, e.g. "validating api.example.com over http-01".</param>
    public static AcmeProblemException FromDocument(JsonElement problem, string context, TimeSpan? retryAfter = null)
    {
        var type = problem.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        var line = $"{context}: {Short(type)}: {Text(problem, "detail")}";
        if (problem.TryGetProperty("subproblems", out var subproblems) && subproblems.ValueKind == JsonValueKind.Array)
        {
            foreach (var sub in subproblems.EnumerateArray())
            {
                var domain = sub.TryGetProperty("identifier", out var id) ? Text(id, "value") : "?";
                line += $"; {domain}: {Short(Text(sub, "type"))}: {Text(sub, "detail")}";
            }
        }
        // A detail may carry newlines from the server; the operator gets one line.
        return new AcmeProblemException(type, line.ReplaceLineEndings(" "), retryAfter);
    }

    private static string Short(string type) => type.StartsWith(AcmePrefix, StringComparison.Ordinal) ? type[AcmePrefix.Length..] : type;

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
