using System.Globalization;

namespace Pier.Tests.EndToEnd;

/// <summary>A strict reader of the Prometheus text format (0.0.4): every line is a comment or `name{labels} value`.</summary>
internal static class PrometheusText
{
    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("# HELP ") || line.StartsWith("# TYPE "))
                continue;
            var split = line.LastIndexOf(' ');
            if (split <= 0 || !double.TryParse(line[(split + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new FormatException($"not a Prometheus sample line: '{line}'");
            samples.Add(line[..split], value);
        }
        return samples;
    }
}
