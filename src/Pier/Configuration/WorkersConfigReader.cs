using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Pier.Configuration;

/// <summary>Reads a service's <c>workers</c>: a count, <c>auto</c> (one per CPU core), or an autoscaling band.</summary>
internal sealed class WorkersConfigReader(ConfigNodeReader reader)
{
    private const string WorkersExpected = "expected a whole number from 1 to 1000 or 'auto'";
    private const string AutoscaleExpected = "write it like { min: 2, max: 8, cpu: 50%..90% }";
    private const string CpuBandExpected = "expected a CPU band like 50%..90%: two percentages from 1% to 100%, the lower first";

    public (int Workers, AutoscaleConfig? Autoscale) Read(YamlNode node, string field)
    {
        if (node is YamlScalarNode { Value: "auto" })
        {
            return (Math.Min(Environment.ProcessorCount, ServiceConfigReader.MaxWorkers), null);
        }

        if (node is YamlScalarNode scalar
            && int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count)
            && count is >= 1 and <= ServiceConfigReader.MaxWorkers)
        {
            return (count, null);
        }

        if (node is YamlMappingNode mapping)
        {
            return ReadAutoscale(mapping, field) is { } autoscale ? (autoscale.Min, autoscale) : (1, null);
        }

        reader.Error(node, field, WorkersExpected);
        return (1, null);
    }

    private AutoscaleConfig? ReadAutoscale(YamlMappingNode mapping, string field)
    {
        var errorsBefore = reader.Errors.Count;
        var fields = reader.Fields(mapping, field, ["min", "max", "cpu", "window", "cooldown"]);
        foreach (var key in new[] { "min", "max", "cpu" }.Where(k => !fields.ContainsKey(k)))
        {
            reader.Error(mapping, field, $"autoscaling needs `{key}`: {AutoscaleExpected}");
        }

        var min = fields.TryGetValue("min", out var minNode) ? reader.WholeNumber(minNode, $"{field}.min", 1, ServiceConfigReader.MaxWorkers) : null;
        var max = fields.TryGetValue("max", out var maxNode) ? reader.WholeNumber(maxNode, $"{field}.max", 1, ServiceConfigReader.MaxWorkers) : null;
        var cpu = fields.TryGetValue("cpu", out var cpuNode) ? ReadCpuBand(cpuNode, $"{field}.cpu") : null;
        var window = fields.TryGetValue("window", out var windowNode) ? reader.Duration(windowNode, $"{field}.window") : AutoscaleConfig.DefaultWindow;
        var cooldown = fields.TryGetValue("cooldown", out var cooldownNode) ? reader.Duration(cooldownNode, $"{field}.cooldown") : AutoscaleConfig.DefaultCooldown;
        if (min > max)
        {
            reader.Error(mapping, field, $"min ({min}) is greater than max ({max})");
        }

        return reader.Errors.Count > errorsBefore || min is null || max is null || cpu is null || window is null || cooldown is null
            ? null
            : new AutoscaleConfig(min.Value, max.Value, cpu.Value.Low, cpu.Value.High, window.Value, cooldown.Value);
    }

    private (double Low, double High)? ReadCpuBand(YamlNode node, string field)
    {
        if (reader.Text(node, field, CpuBandExpected) is not { } text)
        {
            return null;
        }

        var parts = text.Split("..", StringSplitOptions.TrimEntries);
        if (parts.Length == 2 && Percent(parts[0]) is { } low && Percent(parts[1]) is { } high && low < high)
        {
            return (low, high);
        }

        reader.Error(node, field, CpuBandExpected);
        return null;

        static double? Percent(string text) =>
            text.EndsWith('%') && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 100
                ? value / 100.0
                : null;
    }
}
