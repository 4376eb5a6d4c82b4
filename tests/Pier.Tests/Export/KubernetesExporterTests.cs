using k8s;
using k8s.Models;
using Pier.Configuration;
using Pier.Export;

namespace Pier.Tests.Export;

public sealed class KubernetesExporterTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("fastapi")]
    [InlineData("hello-aspnet")]
    public void Export_BundledExample_MatchesGoldenAndLoadsBack(string example)
    {
        var config = Golden.Example(example);
        var file = KubernetesExporter.Export(config, $"{example}:1.0", "demo");

        Golden.AssertMatches($"{example}.kubernetes.yaml", file.Text);
        var objects = KubernetesManifests.LoadAll(file.Text);
        Assert.All(objects, o => Assert.Equal("demo", ((IMetadata<V1ObjectMeta>)o).Metadata.NamespaceProperty));
        Assert.Equal(config.Before.Count > 0, objects.OfType<V1Job>().Any());
        Assert.Single(objects.OfType<V1Deployment>());
    }

    [Fact]
    public void Export_FullConfig_EveryFieldLoadsBackThroughTheModels()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", """
            name: shop
            services:
              web:
                run: uvicorn main:app --host 127.0.0.1 --port $PORT
                env: { DATABASE_URL: "postgresql://app@db/shop" }
                workers: { min: 2, max: 8, cpu: 50%..90% }
                http:
                  health: { path: /healthz, interval: 10s, timeout: 3s, failures: 4 }
                  hosts: [api.example.com]
                memory: { limit: 512MiB, hard: 768MiB }
                stop: { timeout: 30s }
              queue:
                run: celery -A tasks worker
                workers: 3
            before:
              - alembic upgrade head
            """));
        config = config with { Https = new HttpsConfig(["api.example.com"], "ops@example.com", "letsencrypt", null, null, null, null) };

        var objects = KubernetesManifests.LoadAll(KubernetesExporter.Export(config, "shop:1.4", null).Text);

        var job = Assert.IsType<V1Job>(objects[0]);
        Assert.Equal(1, job.Spec.Parallelism);
        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        Assert.Contains("alembic upgrade head", job.Spec.Template.Spec.Containers[0].Command[2]);

        var deployments = objects.OfType<V1Deployment>().ToDictionary(d => d.Metadata.Name);
        var web = deployments["shop-web"];
        Assert.Null(web.Spec.Replicas);
        var container = web.Spec.Template.Spec.Containers.Single();
        Assert.Equal("shop:1.4", container.Image);
        Assert.Equal("uvicorn main:app --host 0.0.0.0 --port 8000", container.Command[2]);
        Assert.Equal("8000", container.Env.Single(e => e.Name == "PORT").Value);
        Assert.Equal("postgresql://app@db/shop", container.Env.Single(e => e.Name == "DATABASE_URL").Value);
        Assert.Equal(8000, container.Ports.Single().ContainerPort);
        foreach (var probe in new[] { container.ReadinessProbe, container.LivenessProbe })
        {
            Assert.Equal("/healthz", probe.HttpGet.Path);
            Assert.Equal("http", probe.HttpGet.Port.Value);
            Assert.Equal(10, probe.PeriodSeconds);
            Assert.Equal(3, probe.TimeoutSeconds);
            Assert.Equal(4, probe.FailureThreshold);
        }
        Assert.Equal("768Mi", container.Resources.Limits["memory"].ToString());
        Assert.Equal("512Mi", container.Resources.Requests["memory"].ToString());
        Assert.Equal(30, web.Spec.Template.Spec.TerminationGracePeriodSeconds);
        Assert.Equal(3, deployments["shop-queue"].Spec.Replicas);
        Assert.Null(deployments["shop-queue"].Spec.Template.Spec.Containers[0].ReadinessProbe);

        var service = Assert.Single(objects.OfType<V1Service>());
        Assert.Equal("shop-web", service.Metadata.Name);
        Assert.Equal(web.Spec.Selector.MatchLabels, service.Spec.Selector);

        var hpa = Assert.Single(objects.OfType<V2HorizontalPodAutoscaler>());
        Assert.Equal("shop-web", hpa.Spec.ScaleTargetRef.Name);
        Assert.Equal(2, hpa.Spec.MinReplicas);
        Assert.Equal(8, hpa.Spec.MaxReplicas);
        Assert.Equal(70, hpa.Spec.Metrics.Single().Resource.Target.AverageUtilization);

        var ingress = Assert.Single(objects.OfType<V1Ingress>());
        Assert.Equal("letsencrypt", ingress.Metadata.Annotations[KubernetesExporter.CertManagerIssuer]);
        var tls = Assert.Single(ingress.Spec.Tls);
        Assert.Equal(["api.example.com"], tls.Hosts);
        Assert.Equal("shop-tls", tls.SecretName);
        var rule = Assert.Single(ingress.Spec.Rules);
        Assert.Equal("api.example.com", rule.Host);
        Assert.Equal("shop-web", rule.Http.Paths.Single().Backend.Service.Name);
    }

    [Fact]
    public void Export_SameDeployTwice_NamesTheBeforeJobTheSame_ANewImageMakesANewJob()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    run: ./serve\nbefore:\n  - ./migrate\n"));

        string JobName(string image) => KubernetesManifests.LoadAll(KubernetesExporter.Export(config, image, null).Text).OfType<V1Job>().Single().Metadata.Name;

        Assert.Equal(JobName("shop:1"), JobName("shop:1"));
        Assert.NotEqual(JobName("shop:1"), JobName("shop:2"));
    }
}
