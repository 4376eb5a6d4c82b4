using Pier.Configuration;
using YamlDotNet.Serialization;

namespace Pier.Export;

/// <summary>
/// A Docker Compose file for one config: a service per Pier service, its workers as
/// <c>deploy.replicas</c>, and the before steps as a one-shot service the others wait for.
/// </summary>
internal static class ComposeExporter
{
    public const string BeforeService = "before";

    private static readonly TimeSpan StartPeriod = TimeSpan.FromSeconds(60);

    public static ExportedFile Export(PierConfig config, string image)
    {
        var services = new Dictionary<string, object>();
        if (config.Before.Count > 0)
        {
            services[BeforeService] = new Dictionary<string, object>
            {
                ["image"] = image,
                ["working_dir"] = ContainerWorkload.AppRoot,
                // One shell, stopping at the first failing step, as Pier runs them.
                ["command"] = new[] { "/bin/sh", "-c", "set -e\n" + string.Join('\n', config.Before.Select(s => s.Run)) },
                ["restart"] = "no",
            };
        }
        foreach (var service in config.Services)
            services[service.Name] = Service(new ContainerWorkload(config, service), image, config.Before.Count > 0);

        var file = new Dictionary<string, object> { ["name"] = config.Name, ["services"] = services };
        var text = $"# Docker Compose for {config.Name}, exported by `pier export compose` from {Path.GetFileName(config.FilePath)}.\n" +
                   $"# The image holds the config's directory at {ContainerWorkload.AppRoot}; `{BeforeService}` runs once before the others start.\n" +
                   Serializer.Serialize(file);
        return new ExportedFile("compose.yaml", text);
    }

    private static Dictionary<string, object> Service(ContainerWorkload workload, string image, bool hasBefore)
    {
        var service = workload.Service;
        var result = new Dictionary<string, object>
        {
            ["image"] = image,
            ["working_dir"] = workload.WorkingDirectory,
            ["command"] = workload.Command,
        };
        if (workload.Environment.Count > 0)
            result["environment"] = workload.Environment.ToDictionary(e => e.Key, e => e.Value);
        if (workload.IsHttp)
            result["expose"] = new[] { ContainerWorkload.Port.ToString() };
        if (service.User is not null)
            result["user"] = service.User;

        var deploy = new Dictionary<string, object> { ["replicas"] = service.Workers };
        var memory = service.Memory ?? MemoryConfig.None;
        var resources = new Dictionary<string, object>();
        if ((memory.Hard ?? memory.Limit) is { } limit)
            resources["limits"] = new Dictionary<string, object> { ["memory"] = Bytes(limit) };
        if (memory.Expect is { } expect)
            resources["reservations"] = new Dictionary<string, object> { ["memory"] = Bytes(expect) };
        if (resources.Count > 0)
            deploy["resources"] = resources;
        result["deploy"] = deploy;
        result["restart"] = "unless-stopped";
        result["stop_grace_period"] = Seconds(service.StopTimeout);

        if (service.Http?.Health is { } health)
        {
            var url = $"http://127.0.0.1:{ContainerWorkload.Port}{health.Path}";
            result["healthcheck"] = new Dictionary<string, object>
            {
                // Images carry curl or wget, rarely both; either answers the check.
                ["test"] = new[] { "CMD-SHELL", $"curl -fsS -o /dev/null {url} || wget -q -O /dev/null {url}" },
                ["interval"] = Seconds(health.Interval),
                ["timeout"] = Seconds(health.Timeout),
                ["retries"] = health.Failures,
                ["start_period"] = Seconds(StartPeriod),
            };
        }
        if (hasBefore)
        {
            result["depends_on"] = new Dictionary<string, object>
            {
                [BeforeService] = new Dictionary<string, object> { ["condition"] = "service_completed_successfully" },
            };
        }
        return result;
    }

    /// <summary>Compose reads m as MiB, as docker does.</summary>
    private static string Bytes(long bytes) => bytes % (1 << 20) == 0 ? $"{bytes >> 20}m" : $"{bytes}b";

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 && span.TotalSeconds % 1 == 0 ? $"{span.TotalSeconds:0}s" : $"{span.TotalMilliseconds:0}ms";

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings(quoteYaml1_1Strings: true)
        .DisableAliases()
        .Build();
}
