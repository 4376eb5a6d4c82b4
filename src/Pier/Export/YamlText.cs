using System.Collections;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pier.Export;

/// <summary>
/// Writes a JSON tree as block-style YAML through YamlDotNet's emitter: no reflection, so a native
/// (AOT) Pier exports exactly what a JIT one does. A string that a YAML 1.1 or 1.2 reader would take
/// for a number, boolean, null or date is quoted (compose and kubectl read YAML 1.1: `"8000:8000"`,
/// `"no"`); text over several lines is written as a literal block.
/// </summary>
internal static partial class YamlText
{
    public static string Write(JsonNode root)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(writer, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 1024));
        new YamlStream(new YamlDocument(Node(root))).Save(emitter, assignAnchors: false);
        // The stream ends its document explicitly; a file of one document does not need the marker.
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    /// <summary>Dictionaries with string keys, sequences, strings, numbers and booleans, as the compose exporter builds them.</summary>
    public static string Write(IDictionary<string, object> root) => Write(Json(root)!);

    private static JsonNode? Json(object? value) => value switch
    {
        null => null,
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        int number => JsonValue.Create(number),
        long number => JsonValue.Create(number),
        IDictionary map => new JsonObject(map.Keys.Cast<string>().Select(key => KeyValuePair.Create(key, Json(map[key])))),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(Json).ToArray()),
        _ => throw new ArgumentException($"no YAML form for {value.GetType().Name}", nameof(value)),
    };

    private static YamlNode Node(JsonNode? node) => node switch
    {
        JsonObject map => new YamlMappingNode(map.Select(p => new KeyValuePair<YamlNode, YamlNode>(Scalar(p.Key), Node(p.Value)))),
        JsonArray list => new YamlSequenceNode(list.Select(Node)),
        JsonValue value when value.TryGetValue<string>(out var text) => Scalar(text),
        null => new YamlScalarNode("null"),
        _ => new YamlScalarNode(node.ToJsonString()),
    };

    private static YamlScalarNode Scalar(string text) => new(text)
    {
        Style = text.Contains('\n') ? ScalarStyle.Literal : NotAString().IsMatch(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any,
    };

    [GeneratedRegex(@"^(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_:.]*([eE][-+]?[0-9]+)?|[-+]?\.[0-9_]+([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?|<<|=)$")]
    private static partial Regex NotAString();
}
