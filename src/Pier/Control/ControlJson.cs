using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pier.Control;

/// <summary>One JSON shape for the control socket and for every `--json` output: snake_case, as pier.yaml is.</summary>
internal static class ControlJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The same shape on one line, for NDJSON streams; absent values are left out.</summary>
    public static readonly JsonSerializerOptions Line = new(Options)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
