using Pier.Configuration;

namespace Pier.Export;

/// <summary>
/// A Docker Compose file for one config: a service per Pier service, its workers as
/// <c>deploy.replicas</c>, the before steps as a one-shot service the others wait for, and with
/// HTTPS a Pier front door container that terminates TLS and forwards to the HTTP services by name.
/// </summary>
internal static class ComposeExporter
{
    public const string BeforeService = "before";
    public const string FrontDoorService = "pier";

    /// <summary>Where the example Dockerfile installs Pier in the image.</summary>
    private const string PierInImage = "/opt/pier/pier";
    private const string FrontDoorConfig = "/etc/pier/pier.yaml";

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
        if (config.Https is not null)
        {
            services[FrontDoorService] = PierService(config, image);
            file["configs"] = new Dictionary<string, object> { ["front-door"] = new Dictionary<string, object> { ["content"] = FrontDoorYaml(config) } };
            file["volumes"] = new Dictionary<string, object> { ["pier-state"] = new Dictionary<string, object>() };
        }
        var text = $"# Docker Compose for {config.Name}, exported by `pier export compose` from {Path.GetFileName(config.FilePath)}.\n" +
                   $"# The image holds the config's directory at {ContainerWorkload.AppRoot}; `{BeforeService}` runs once before the others start.\n" +
                   YamlText.Write(file);
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

    /// <summary>
    /// The front door is Pier itself, running a config of its own in which every HTTP service is a
    /// `url:` to that service's containers (Docker's DNS spreads the name over the replicas).
    /// Its state volume keeps the ACME account and certificates across restarts.
    /// </summary>
    private static Dictionary<string, object> PierService(PierConfig config, string image)
    {
        var http = config.Services.Where(s => s.Http is not null && s.Upstream is null).Select(s => s.Name).ToList();
        return new Dictionary<string, object>
        {
            ["image"] = image,
            ["entrypoint"] = new[] { PierInImage, "up", "-c", FrontDoorConfig },
            ["configs"] = new[] { new Dictionary<string, object> { ["source"] = "front-door", ["target"] = FrontDoorConfig } },
            ["ports"] = new[] { "80:80", "443:443" },
            ["volumes"] = new[] { "pier-state:/var/lib/pier" },
            ["depends_on"] = http.ToDictionary(name => name, object (_) => new Dictionary<string, object> { ["condition"] = "service_started" }),
            ["restart"] = "unless-stopped",
            ["stop_grace_period"] = Seconds(config.LongestStopTimeout + TimeSpan.FromSeconds(5)),
        };
    }

    /// <summary>The front door's own pier.yaml: the HTTPS section as written, and a `url:` service per HTTP service.</summary>
    internal static string FrontDoorYaml(PierConfig config)
    {
        var https = config.Https!;
        var text = new System.Text.StringBuilder();
        text.Append($"name: {config.Name}-front\nservices:\n");
        foreach (var service in config.Services.Where(s => s.Http is not null && s.Upstream is null))
        {
            text.Append($"  {service.Name}:\n    url: http://{service.Name}:{ContainerWorkload.Port}\n");
            if (service.Http!.Hosts.Count > 0)
                text.Append($"    http: {{ hosts: [{string.Join(", ", service.Http.Hosts)}] }}\n");
        }
        text.Append("https:\n");
        if (https.Domains.Count > 0)
            text.Append($"  domains: [{string.Join(", ", https.Domains)}]\n");
        if (https.Email is not null)
            text.Append($"  email: {https.Email}\n");
        text.Append($"  ca: {https.Ca}\n");
        if (https.CertificateFile is not null && https.KeyFile is not null)
            text.Append($"  certificate: {https.CertificateFile}\n  key: {https.KeyFile}\n");
        text.Append("listen: { http: 80, https: 443 }\nstate: /var/lib/pier\n");
        return text.ToString();
    }

    /// <summary>Compose reads m as MiB, as docker does.</summary>
    private static string Bytes(long bytes) => bytes % (1 << 20) == 0 ? $"{bytes >> 20}m" : $"{bytes}b";

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 && span.TotalSeconds % 1 == 0 ? $"{span.TotalSeconds:0}s" : $"{span.TotalMilliseconds:0}ms";
}
