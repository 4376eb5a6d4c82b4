using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Pier.Configuration;

/// <summary>
/// Turns the text of pier.yaml into one YAML node tree, or into positioned errors: syntax errors,
/// duplicate keys, an empty file, or more than one document.
/// </summary>
internal static class YamlDocumentReader
{
    /// <returns>The root node, or null when <paramref name="errors"/> got something.</returns>
    public static YamlNode? Read(string text, string file, List<ConfigError> errors)
    {
        var before = errors.Count;
        try
        {
            // YamlStream stops at the first duplicate key; scanning the events first finds all of them.
            ScanEvents(text, file, errors);
            if (errors.Count > before)
            {
                return null;
            }

            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0)
            {
                errors.Add(new ConfigError(file, 1, 1, "", "the file is empty; it needs at least `name` and `services`"));
                return null;
            }

            return stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            var tab = e.Message.Contains("tab", StringComparison.Ordinal) ? IndentTab(text, (int)e.Start.Line) : null;
            var (line, column) = tab ?? ((int)e.Start.Line, (int)e.Start.Column);
            errors.Add(new ConfigError(file, line, column, "", $"invalid YAML: {Describe(e)}"));
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // YamlDotNet's loader rejects some constructs it parsed (found by fuzzing) without a position.
            errors.Add(new ConfigError(file, 1, 1, "", $"invalid YAML: a construct pier.yaml cannot use ({e.Message.Split(" (Parameter")[0]})"));
            return null;
        }
    }

    /// <summary>
    /// YamlDotNet reports a tab in indentation at the start of the enclosing mapping, often line 1;
    /// the first indenting tab from there on is where the user has to look.
    /// </summary>
    private static (int Line, int Column)? IndentTab(string text, int fromLine)
    {
        var lines = text.Split('\n');
        for (var i = Math.Max(fromLine - 1, 0); i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet's messages start with the parser's state ("While scanning a quoted scalar,
        // found ..."); the part after the comma is the useful one. Tabs get a hint, they are common.
        var message = e.Message.TrimEnd('.');
        var comma = message.IndexOf(", ", StringComparison.Ordinal);
        var found = comma >= 0 && message.StartsWith("While ", StringComparison.Ordinal)
            ? message[(comma + 2)..]
            : message;
        return found.Contains("tab", StringComparison.OrdinalIgnoreCase)
            ? $"{found}; indent with spaces, not tabs"
            : found;
    }

    /// <summary>
    /// YamlDotNet's scanner can fail on some broken input with an exception that is not a
    /// YamlException (found by fuzzing); that too is reported as invalid YAML, after the last good event.
    /// </summary>
    private static bool MoveNext(Parser parser, string file, Mark last, List<ConfigError> errors)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (InvalidOperationException)
        {
            errors.Add(new ConfigError(file, Math.Max(1, (int)last.Line), Math.Max(1, (int)last.Column), "",
                "invalid YAML: it cannot be read past here; check quotes, brackets and indentation"));
            return false;
        }
    }

    private static void ScanEvents(string text, string file, List<ConfigError> errors)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<Container>();
        var documents = 0;
        var last = Mark.Empty;
        while (MoveNext(parser, file, last, errors))
        {
            last = parser.Current!.End;
            switch (parser.Current)
            {
                case DocumentStart start when ++documents == 2:
                    errors.Add(new ConfigError(file, (int)start.Start.Line, (int)start.Start.Column, "",
                        "expected one YAML document; remove the `---` separator and what follows it"));
                    return;
                case Scalar scalar:
                    EnterNode(open, scalar.Value, scalar, file, errors);
                    break;
                case AnchorAlias alias:
                    EnterNode(open, null, alias, file, errors);
                    break;
                case MappingStart mapping:
                    open.Push(new Container(EnterNode(open, null, mapping, file, errors), isMapping: true));
                    break;
                case SequenceStart sequence:
                    open.Push(new Container(EnterNode(open, null, sequence, file, errors), isMapping: false));
                    break;
                case MappingEnd or SequenceEnd:
                    open.Pop();
                    break;
            }
        }
    }

    /// <summary>Records a node inside its container; returns the node's field path.</summary>
    private static string EnterNode(Stack<Container> open, string? scalarValue, ParsingEvent node, string file, List<ConfigError> errors)
    {
        if (!open.TryPeek(out var parent))
        {
            return "";
        }

        if (!parent.IsMapping)
        {
            parent.Items++;
            return Join(parent.Path, parent.Items.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (parent.ExpectingKey)
        {
            parent.ExpectingKey = false;
            parent.CurrentKey = scalarValue ?? "?";
            if (scalarValue is not null && !parent.Keys.Add(scalarValue))
            {
                errors.Add(new ConfigError(file, (int)node.Start.Line, (int)node.Start.Column, Join(parent.Path, scalarValue),
                    "duplicate key; each key may appear once in a mapping"));
            }

            return parent.Path;
        }

        parent.ExpectingKey = true;
        return Join(parent.Path, parent.CurrentKey);
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private sealed class Container(string path, bool isMapping)
    {
        public string Path { get; } = path;
        public bool IsMapping { get; } = isMapping;
        public bool ExpectingKey { get; set; } = true;
        public string CurrentKey { get; set; } = "";
        public int Items { get; set; }
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }
}
