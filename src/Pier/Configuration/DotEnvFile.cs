namespace Pier.Configuration;

/// <summary>
/// Reads an env_file in the dotenv format most tools share: KEY=VALUE, an optional
/// <c>export</c> prefix, # comments, blank lines, and single- or double-quoted values.
/// </summary>
internal static class DotEnvFile
{
    /// <summary>Parses <paramref name="text"/>, adding an error for each bad line and going on.</summary>
    /// <param name="file">The env file as shown to the user in errors.</param>
    /// <param name="field">The config field that named the file (services.web.env_file).</param>
    public static Dictionary<string, string> Parse(string text, string file, string field, List<ConfigError> errors)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var error = ParseLine(lines[index].TrimEnd('\r'), values);
            if (error is { } e)
            {
                errors.Add(new ConfigError(file, index + 1, e.Column, field, e.Message));
            }
        }

        return values;
    }

    private static (int Column, string Message)? ParseLine(string line, Dictionary<string, string> values)
    {
        var i = SkipSpaces(line, 0);
        if (i == line.Length || line[i] == '#')
        {
            return null;
        }

        if (line.AsSpan(i).StartsWith("export ", StringComparison.Ordinal))
        {
            i = SkipSpaces(line, i + "export ".Length);
        }

        var keyStart = i;
        var equals = line.IndexOf('=', i);
        if (equals < 0)
        {
            return (keyStart + 1, "expected KEY=VALUE");
        }

        var key = line[keyStart..equals].TrimEnd();
        if (!NameRules.IsValidEnvName(key))
        {
            return (keyStart + 1, $"'{key}' {NameRules.EnvNameExpected}");
        }

        var valueStart = SkipSpaces(line, equals + 1);
        string value;
        int rest;
        if (valueStart < line.Length && line[valueStart] is '"' or '\'')
        {
            var quote = line[valueStart];
            var closed = quote == '"'
                ? ReadDoubleQuoted(line, valueStart + 1, out value, out rest)
                : ReadSingleQuoted(line, valueStart + 1, out value, out rest);
            if (!closed)
            {
                return (valueStart + 1, $"unclosed {(quote == '"' ? "double" : "single")} quote; values must end on the same line");
            }

            rest = SkipSpaces(line, rest);
            if (rest < line.Length && line[rest] != '#')
            {
                return (rest + 1, "unexpected text after the closing quote");
            }
        }
        else
        {
            // An unquoted value ends at a comment that follows whitespace, as in shells.
            var end = line.Length;
            for (var j = valueStart; j < line.Length; j++)
            {
                if (line[j] == '#' && j > valueStart && char.IsWhiteSpace(line[j - 1]))
                {
                    end = j;
                    break;
                }
            }

            value = line[valueStart..end].TrimEnd();
        }

        values[key] = value;
        return null;
    }

    private static bool ReadSingleQuoted(string line, int start, out string value, out int after)
    {
        var close = line.IndexOf('\'', start);
        value = close < 0 ? "" : line[start..close];
        after = close + 1;
        return close >= 0;
    }

    private static bool ReadDoubleQuoted(string line, int start, out string value, out int after)
    {
        var builder = new System.Text.StringBuilder();
        for (var i = start; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                value = builder.ToString();
                after = i + 1;
                return true;
            }

            if (c == '\\' && i + 1 < line.Length)
            {
                i++;
                builder.Append(line[i] switch
                {
                    'n' => "\n",
                    'r' => "\r",
                    't' => "\t",
                    '"' or '\\' or '$' => line[i].ToString(),
                    _ => "\\" + line[i],
                });
                continue;
            }

            builder.Append(c);
        }

        value = "";
        after = line.Length;
        return false;
    }

    private static int SkipSpaces(string line, int i)
    {
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        return i;
    }
}
