using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Pier.Certificates;
using Pier.Configuration;
using Pier.Doctor;
using Pier.Resources;

namespace Pier.Control;

/// <summary>
/// One JSON shape for the control socket and for every `--json` output: snake_case, as pier.yaml is.
/// The serializers are generated at compile time (<see cref="ControlJsonContext"/>), so a native
/// (AOT) Pier writes exactly what a JIT one does.
/// </summary>
internal static class ControlJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        TypeInfoResolver = ControlJsonContext.Default,
        Converters =
        {
            new JsonStringEnumConverter<CertificateSource>(JsonNamingPolicy.SnakeCaseLower),
            new JsonStringEnumConverter<CheckStatus>(JsonNamingPolicy.SnakeCaseLower),
        },
    };

    /// <summary>The same shape on one line, for NDJSON streams; absent values are left out.</summary>
    public static readonly JsonSerializerOptions Line = new(Options)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The generated serializer of <typeparamref name="T"/> with these options.</summary>
    public static JsonTypeInfo<T> Info<T>(JsonSerializerOptions? options = null) => (JsonTypeInfo<T>)(options ?? Options).GetTypeInfo(typeof(T));

    public static string Serialize<T>(T value, JsonSerializerOptions? options = null) => JsonSerializer.Serialize(value, Info<T>(options));
}

[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(IReadOnlyList<CertificateReport>))]
[JsonSerializable(typeof(IReadOnlyList<PierEvent>))]
[JsonSerializable(typeof(IReadOnlyList<CheckResult>))]
[JsonSerializable(typeof(ControlEvent))]
[JsonSerializable(typeof(CheckReport))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
