using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Pier.Configuration;

/// <summary>
/// Reads typed values out of YAML nodes. A bad value records an error at the node's position and
/// yields null, so the caller falls back to a default and keeps going to find the next error.
/// </summary>
internal sealed class ConfigNodeReader(string file)
{
    public List<ConfigError> Errors { get; } = [];

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public void Error(YamlNode node, string field, string message) =>
        Errors.Add(new ConfigError(file, (int)node.Start.Line, (int)node.Start.Column, field, message));

    /// <summary>
    /// The entries of a mapping by key. Keys outside <paramref name="allowed"/> are errors with a
    /// did-you-mean hint; when <paramref name="allowed"/> is null any key is accepted.
    /// </summary>
    public Dictionary<string, YamlNode> Fields(YamlMappingNode mapping, string path, IReadOnlyList<string>? allowed)
    {
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
            {
                Error(keyNode, path, "expected a key name");
                continue;
            }

            if (allowed is not null && !allowed.Contains(key))
            {
                var suggestion = DidYouMean.Suggest(key, allowed);
                Error(keyNode, Join(path, key), suggestion is null
                    ? $"unknown key; expected one of: {string.Join(", ", allowed)}"
                    : $"unknown key; did you mean '{suggestion}'?");
                continue;
            }

            fields[key] = value;
        }

        return fields;
    }

    public YamlMappingNode? Mapping(YamlNode node, string field, string expected = "expected a mapping")
    {
        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }

        Error(node, field, expected);
        return null;
    }

    /// <summary>A scalar that is not blank, as written (numbers and booleans too, as their text).</summary>
    public string? Text(YamlNode node, string field, string expected = "expected a string")
    {
        if (node is YamlScalarNode scalar && !IsNull(scalar) && !string.IsNullOrWhiteSpace(scalar.Value))
        {
            return scalar.Value;
        }

        Error(node, field, expected);
        return null;
    }

    public List<(string Value, YamlNode Node)>? TextList(YamlNode node, string field, string expected = "expected a list of strings")
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, field, expected);
            return null;
        }

        var items = new List<(string, YamlNode)>();
        var number = 0;
        foreach (var item in sequence.Children)
        {
            number++;
            if (Text(item, Join(field, number.ToString(CultureInfo.InvariantCulture)), expected) is { } text)
            {
                items.Add((text, item));
            }
        }

        return items;
    }

    public int? WholeNumber(YamlNode node, string field, int min, int max)
    {
        if (node is YamlScalarNode scalar
            && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            && number >= min && number <= max)
        {
            return number;
        }

        Error(node, field, $"expected a whole number from {min} to {max}");
        return null;
    }

    /// <summary>A duration greater than zero.</summary>
    public TimeSpan? Duration(YamlNode node, string field)
    {
        if (node is YamlScalarNode scalar && Configuration.Duration.TryParse(scalar.Value, out var value))
        {
            if (value > TimeSpan.Zero)
            {
                return value;
            }

            Error(node, field, "expected a duration greater than zero");
            return null;
        }

        Error(node, field, Configuration.Duration.Expected);
        return null;
    }

    /// <summary>A size in bytes greater than zero.</summary>
    public long? Size(YamlNode node, string field)
    {
        if (node is YamlScalarNode scalar && ByteSize.TryParse(scalar.Value, out var bytes) && bytes > 0)
        {
            return bytes;
        }

        Error(node, field, ByteSize.Expected);
        return null;
    }

    /// <summary>An empty value, ~ or null, unless quoted: YAML's ways of writing nothing.</summary>
    public static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any
            ? scalar.Value is null or "" or "~" or "null" or "Null" or "NULL"
            : scalar.Value is null;
}
