using Pier.Configuration;
using Pier.Export;
using YamlDotNet.RepresentationModel;

namespace Pier.Tests.Export;

public sealed class ComposeExporterTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("fastapi")]
    [InlineData("hello-aspnet")]
    public void Export_BundledExample_MatchesGoldenAndParses(string example)
    {
        var config = Golden.Example(example);
        var text = ComposeExporter.Export(config, $"{example}:1.0").Text;

        Golden.AssertMatches($"{example}.compose.yaml", text);
        var services = Load(text)["services"];
        Assert.Equal(config.Services.Count + (config.Before.Count > 0 ? 1 : 0), ((YamlMappingNode)services).Children.Count);
    }

    [Fact]
    public void Export_FullConfig_ServicesReplicasHealthMemoryAndBeforeDependency()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", """
            name: shop
            services:
              web:
                run: uvicorn main:app --host 127.0.0.1 --port $PORT
                workers: 4
                http: { health: { path: /healthz, interval: 10s, timeout: 3s, failures: 4 } }
                memory: { limit: 512MiB }
                stop: { timeout: 30s }
              queue:
                run: celery -A tasks worker
                workers: 2
            before:
              - alembic upgrade head
              - ./seed
            """));

        var compose = Load(ComposeExporter.Export(config, "shop:1.4").Text);
        var services = (YamlMappingNode)compose["services"];

        Assert.Equal("shop", Scalar(compose, "name"));
        Assert.Equal(["before", "web", "queue"], services.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        var before = (YamlMappingNode)services["before"];
        Assert.Equal("no", Scalar(before, "restart"));
        Assert.Equal("set -e\nalembic upgrade head\n./seed", ((YamlSequenceNode)before["command"]).Children[2].ToString());

        foreach (var name in new[] { "web", "queue" })
        {
            var service = (YamlMappingNode)services[name];
            Assert.Equal("shop:1.4", Scalar(service, "image"));
            Assert.Equal("unless-stopped", Scalar(service, "restart"));
            var dependsOn = (YamlMappingNode)service["depends_on"];
            Assert.Equal("service_completed_successfully", Scalar((YamlMappingNode)dependsOn["before"], "condition"));
        }
        var web = (YamlMappingNode)services["web"];
        var deploy = (YamlMappingNode)web["deploy"];
        Assert.Equal("4", Scalar(deploy, "replicas"));
        Assert.Equal("512m", Scalar((YamlMappingNode)((YamlMappingNode)deploy["resources"])["limits"], "memory"));
        Assert.Equal("30s", Scalar(web, "stop_grace_period"));
        var health = (YamlMappingNode)web["healthcheck"];
        Assert.Contains("http://127.0.0.1:8000/healthz", ((YamlSequenceNode)health["test"]).Children[1].ToString());
        Assert.Equal("10s", Scalar(health, "interval"));
        Assert.Equal("3s", Scalar(health, "timeout"));
        Assert.Equal("4", Scalar(health, "retries"));
        Assert.Equal("2", Scalar((YamlMappingNode)((YamlMappingNode)services["queue"])["deploy"], "replicas"));
        Assert.False(((YamlMappingNode)services["queue"]).Children.ContainsKey("healthcheck"));
    }

    private static YamlMappingNode Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value;

    [Fact]
    public void WithHttps_AFrontDoorContainer_ForwardsToTheHttpServices()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", """
            name: shop
            services:
              web:
                run: uvicorn main:app --port $PORT
                workers: 3
                http: { health: /healthz, hosts: [api.example.com] }
              queue:
                run: celery -A tasks worker
            """)) with { Https = new HttpsConfig(["api.example.com"], "ops@example.com", "letsencrypt", null, null, null, TimeSpan.FromDays(365)) };

        var compose = Load(ComposeExporter.Export(config, "shop:1.4").Text);
        var pier = (YamlMappingNode)((YamlMappingNode)compose["services"])[ComposeExporter.FrontDoorService];

        Assert.Equal(["80:80", "443:443"], ((YamlSequenceNode)pier["ports"]).Children.Select(c => c.ToString()));
        Assert.Equal(["web"], ((YamlMappingNode)pier["depends_on"]).Children.Keys.Select(k => k.ToString()));
        Assert.Equal("pier-state:/var/lib/pier", ((YamlSequenceNode)pier["volumes"]).Children[0].ToString());
        var content = ((YamlMappingNode)((YamlMappingNode)compose["configs"])["front-door"])["content"].ToString();
        // The front door's config is a pier.yaml that Pier itself accepts.
        var front = ConfigLoader.Load(_dir.Write("front/pier.yaml", content));
        var web = Assert.Single(front.Services);
        Assert.Equal(new Uri("http://web:8000"), web.Upstream);
        Assert.Equal(["api.example.com"], web.Http!.Hosts);
        Assert.Equal(["api.example.com"], front.Https!.Domains);
        Assert.Equal(443, front.Listen.HttpsPort);
    }
}
