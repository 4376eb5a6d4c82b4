using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pier.Tests.Export;

/// <summary>
/// Reads a multi-document manifest back into the client's typed models, as kubectl would: YAML to
/// JSON (plain scalars typed as YAML reads them), then the client's own JSON deserializer by kind.
/// </summary>
internal static partial class KubernetesManifests
{
    public static List<object> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => Typed(Json(d.RootNode)!.ToJsonString())).ToList();
    }

    private static object Typed(string json)
    {
        var kind = JsonNode.Parse(json)!["kind"]!.GetValue<string>();
        return kind switch
        {
            "Deployment" => KubernetesJson.Deserialize<V1Deployment>(json),
            "Service" => KubernetesJson.Deserialize<V1Service>(json),
            "Job" => KubernetesJson.Deserialize<V1Job>(json),
            "Ingress" => KubernetesJson.Deserialize<V1Ingress>(json),
            "HorizontalPodAutoscaler" => KubernetesJson.Deserialize<V2HorizontalPodAutoscaler>(json),
            "ConfigMap" => KubernetesJson.Deserialize<V1ConfigMap>(json),
            "Secret" => KubernetesJson.Deserialize<V1Secret>(json),
            _ => throw new InvalidOperationException($"unexpected kind {kind}"),
        };
    }

    private static JsonNode? Json(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Json(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Json).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "null" or "~" } => null,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } scalar => JsonValue.Create(scalar.Value == "true"),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar when Integer().IsMatch(scalar.Value!) => JsonValue.Create(long.Parse(scalar.Value!)),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"unexpected node {node}"),
    };

    [GeneratedRegex("^-?[0-9]+$")]
    private static partial Regex Integer();
}
