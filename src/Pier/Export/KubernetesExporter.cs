using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Pier.Configuration;

namespace Pier.Export;

/// <summary>
/// Kubernetes objects for one config, built with the KubernetesClient models: a Deployment per
/// service (a pod per worker), a Service and an Ingress for the HTTP ones, an HPA where the
/// service autoscales, and the before steps as a Job.
/// </summary>
/// <remarks>
/// Before steps run as a Job, not as an init container: an init container runs in every pod, so
/// with several replicas migrations would run side by side unless they took a database lock. The
/// Job runs one pod at a time (parallelism 1, no retries) and is named after a hash of the image
/// and the steps, so applying the same deploy twice does not run it again; a new image or new
/// steps make a new Job. It is the first document, and carries the hook annotations of Argo CD
/// and Helm so that they run it before the rest; with plain kubectl, apply it and wait for it first.
/// </remarks>
internal static class KubernetesExporter
{
    public const string CertManagerIssuer = "cert-manager.io/cluster-issuer";
    public const string HttpPortName = "http";

    public static ExportedFile Export(PierConfig config, string image, string? ns)
    {
        var objects = new List<IKubernetesObject>();
        var job = config.Before.Count > 0 ? BeforeJob(config, image, ns) : null;
        if (job is not null)
            objects.Add(job);
        foreach (var service in config.Services)
        {
            var workload = new ContainerWorkload(config, service);
            objects.Add(Deployment(config, workload, image, ns));
            if (workload.IsHttp)
                objects.Add(Service(config, service, ns));
            if (service.Autoscale is { } autoscale)
                objects.Add(Autoscaler(config, service, autoscale, ns));
        }
        if (Ingress(config, ns) is { } ingress)
            objects.Add(ingress);

        var header = new StringBuilder();
        header.AppendLine($"# Kubernetes objects for {config.Name}, exported by `pier export kubernetes` from {Path.GetFileName(config.FilePath)}.");
        if (job is not null)
        {
            header.AppendLine($"# The before steps run once per deploy as Job {job.Metadata.Name}, never side by side. With kubectl:");
            header.AppendLine($"#   kubectl apply -f {config.Name}.yaml -l app.kubernetes.io/name=before");
            header.AppendLine($"#   kubectl wait --for=condition=complete --timeout=30m job/{job.Metadata.Name}");
            header.AppendLine($"#   kubectl apply -f {config.Name}.yaml");
            header.AppendLine("# Argo CD and Helm run it first by its hook annotations.");
        }
        var documents = objects.Select(o => YamlText.Write(KubernetesManifestJson.Node(o)).TrimEnd('\n'));
        return new ExportedFile($"{config.Name}.yaml", header + string.Join("\n---\n", documents) + "\n");
    }

    public static string Name(PierConfig config, ServiceConfig service) => $"{config.Name}-{service.Name}";

    private static Dictionary<string, string> Labels(PierConfig config, string component) => new()
    {
        ["app.kubernetes.io/name"] = component,
        ["app.kubernetes.io/part-of"] = config.Name,
        ["app.kubernetes.io/managed-by"] = "pier",
    };

    private static Dictionary<string, string> Selector(PierConfig config, string component) => new()
    {
        ["app.kubernetes.io/name"] = component,
        ["app.kubernetes.io/part-of"] = config.Name,
    };

    private static V1Deployment Deployment(PierConfig config, ContainerWorkload workload, string image, string? ns)
    {
        var service = workload.Service;
        var container = new V1Container
        {
            Name = service.Name,
            Image = image,
            Command = workload.Command.ToList(),
            WorkingDir = workload.WorkingDirectory,
            Env = workload.Environment.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList(),
            Resources = Resources(service),
        };
        if (workload.IsHttp)
            container.Ports = [new V1ContainerPort { Name = HttpPortName, ContainerPort = ContainerWorkload.Port }];
        if (service.Http?.Health is { } health)
        {
            container.ReadinessProbe = Probe(health);
            container.LivenessProbe = Probe(health);
        }
        if (long.TryParse(service.User, out var uid))
            container.SecurityContext = new V1SecurityContext { RunAsUser = uid };

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Metadata(Name(config, service), config, service.Name, ns),
            Spec = new V1DeploymentSpec
            {
                // An HPA owns the count of an autoscaled service; a fixed one would fight it on every apply.
                Replicas = service.Autoscale is null ? service.Workers : null,
                Selector = new V1LabelSelector { MatchLabels = Selector(config, service.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels(config, service.Name) },
                    Spec = new V1PodSpec
                    {
                        Containers = [container],
                        TerminationGracePeriodSeconds = (long)Math.Ceiling(service.StopTimeout.TotalSeconds),
                    },
                },
            },
        };
    }

    private static V1Probe Probe(HealthCheckConfig health) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = health.Path, Port = HttpPortName },
        PeriodSeconds = Seconds(health.Interval),
        TimeoutSeconds = Seconds(health.Timeout),
        FailureThreshold = health.Failures,
    };

    /// <summary>
    /// Memory from <c>memory</c>: the limit is the hard one if set, else the recycling one; the
    /// request is what a worker is expected to use. An autoscaled service also requests CPU, because
    /// an HPA measures utilisation against the request.
    /// </summary>
    private static V1ResourceRequirements? Resources(ServiceConfig service)
    {
        var memory = service.Memory ?? MemoryConfig.None;
        var limits = new Dictionary<string, ResourceQuantity>();
        var requests = new Dictionary<string, ResourceQuantity>();
        if ((memory.Hard ?? memory.Limit) is { } limit)
            limits["memory"] = Quantity(limit);
        if ((memory.Expect ?? memory.Limit) is { } expect)
            requests["memory"] = Quantity(expect);
        if (service.Autoscale is not null)
            requests["cpu"] = new ResourceQuantity("1");
        return limits.Count + requests.Count == 0
            ? null
            : new V1ResourceRequirements { Limits = limits.Count > 0 ? limits : null, Requests = requests.Count > 0 ? requests : null };
    }

    private static V1Service Service(PierConfig config, ServiceConfig service, string? ns) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Metadata(Name(config, service), config, service.Name, ns),
        Spec = new V1ServiceSpec
        {
            Selector = Selector(config, service.Name),
            Ports = [new V1ServicePort { Name = HttpPortName, Port = 80, TargetPort = HttpPortName }],
        },
    };

    /// <summary>The band's middle is the target: an HPA holds one utilisation, which a band around it approximates.</summary>
    private static V2HorizontalPodAutoscaler Autoscaler(PierConfig config, ServiceConfig service, AutoscaleConfig autoscale, string? ns) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = Metadata(Name(config, service), config, service.Name, ns),
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = Name(config, service) },
            MinReplicas = autoscale.Min,
            MaxReplicas = autoscale.Max,
            Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource
                    {
                        Name = "cpu",
                        Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = (int)Math.Round(autoscale.CpuTarget * 100) },
                    },
                },
            ],
        },
    };

    /// <summary>
    /// One Ingress for every HTTP service: a rule per host (a service without hosts gets every
    /// other host), TLS for <c>https.domains</c> with a certificate cert-manager issues.
    /// </summary>
    private static V1Ingress? Ingress(PierConfig config, string? ns)
    {
        var http = config.Services.Where(s => s.Http is not null).ToList();
        if (http.Count == 0)
            return null;
        var rules = new List<V1IngressRule>();
        foreach (var service in http)
        {
            var backend = new V1HTTPIngressRuleValue
            {
                Paths =
                [
                    new V1HTTPIngressPath
                    {
                        Path = "/",
                        PathType = "Prefix",
                        Backend = new V1IngressBackend
                        {
                            Service = new V1IngressServiceBackend { Name = Name(config, service), Port = new V1ServiceBackendPort { Name = HttpPortName } },
                        },
                    },
                ],
            };
            if (service.Http!.Hosts.Count == 0)
                rules.Add(new V1IngressRule { Http = backend });
            else
                rules.AddRange(service.Http.Hosts.Select(host => new V1IngressRule { Host = host, Http = backend }));
        }

        var metadata = Metadata(config.Name, config, config.Name, ns);
        var ingress = new V1Ingress
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "Ingress",
            Metadata = metadata,
            Spec = new V1IngressSpec { Rules = rules },
        };
        if (config.Https is { Domains.Count: > 0 } https)
        {
            metadata.Annotations = new Dictionary<string, string> { [CertManagerIssuer] = Issuer(https) };
            ingress.Spec.Tls = [new V1IngressTLS { Hosts = https.Domains.ToList(), SecretName = $"{config.Name}-tls" }];
        }
        return ingress;
    }

    /// <summary>The ClusterIssuer an operator creates for the CA pier.yaml names; a directory URL gets a generic ACME issuer.</summary>
    public static string Issuer(HttpsConfig https) => https.Ca switch
    {
        "letsencrypt" or "letsencrypt-staging" or "internal" => https.Ca,
        _ => "acme",
    };

    private static V1Job BeforeJob(PierConfig config, string image, string? ns)
    {
        var steps = string.Join('\n', config.Before.Select(s => s.Run));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image + "\n" + steps)))[..8];
        var metadata = Metadata($"{config.Name}-before-{hash}", config, "before", ns);
        metadata.Annotations = new Dictionary<string, string>
        {
            ["argocd.argoproj.io/hook"] = "PreSync",
            ["helm.sh/hook"] = "pre-install,pre-upgrade",
        };
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = metadata,
            Spec = new V1JobSpec
            {
                Parallelism = 1,
                Completions = 1,
                // A retry could overlap a step that is still finishing; a failed migration wants a person.
                BackoffLimit = 0,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels(config, "before") },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "before",
                                Image = image,
                                WorkingDir = ContainerWorkload.AppRoot,
                                Command = ["/bin/sh", "-c", "set -e\n" + steps],
                            },
                        ],
                    },
                },
            },
        };
    }

    private static V1ObjectMeta Metadata(string name, PierConfig config, string component, string? ns) => new()
    {
        Name = name,
        NamespaceProperty = ns,
        Labels = Labels(config, component),
    };

    private static int Seconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));

    private static ResourceQuantity Quantity(long bytes) =>
        new(bytes % (1 << 20) == 0 ? $"{bytes >> 20}Mi" : bytes.ToString());
}
