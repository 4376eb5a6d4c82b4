using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Pier.Export;

/// <summary>
/// JSON of the five kinds Pier exports, generated for just their object graphs. The client's own
/// <c>KubernetesJson</c> carries every Kubernetes type, which roughly doubles a native Pier's
/// resident memory (docs/benchmarks.md, Footprint); this keeps the typed models at a fraction of it.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(V1Deployment))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1Job))]
[JsonSerializable(typeof(V1Ingress))]
[JsonSerializable(typeof(V2HorizontalPodAutoscaler))]
internal sealed partial class KubernetesManifestJson : JsonSerializerContext
{
    public static JsonNode Node(IKubernetesObject item) => item switch
    {
        V1Deployment o => JsonSerializer.SerializeToNode(o, Default.V1Deployment)!,
        V1Service o => JsonSerializer.SerializeToNode(o, Default.V1Service)!,
        V1Job o => JsonSerializer.SerializeToNode(o, Default.V1Job)!,
        V1Ingress o => JsonSerializer.SerializeToNode(o, Default.V1Ingress)!,
        V2HorizontalPodAutoscaler o => JsonSerializer.SerializeToNode(o, Default.V2HorizontalPodAutoscaler)!,
        _ => throw new ArgumentException($"no manifest JSON for {item.GetType().Name}", nameof(item)),
    };
}
