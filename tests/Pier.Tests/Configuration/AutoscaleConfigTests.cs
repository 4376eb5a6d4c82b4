using Pier.Configuration;

namespace Pier.Tests.Configuration;

public sealed class AutoscaleConfigTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_WorkersMapping_ReadsTheBand_AndStartsAtMin()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    run: ./web\n    workers: { min: 2, max: 8, cpu: 50%..90% }\n"));

        var web = config.Services.Single();
        Assert.Equal(new AutoscaleConfig(2, 8, 0.5, 0.9, AutoscaleConfig.DefaultWindow, AutoscaleConfig.DefaultCooldown), web.Autoscale);
        Assert.Equal(2, web.Workers);
        Assert.Equal(0.7, web.Autoscale!.CpuTarget, 3);
    }

    [Fact]
    public void Load_FixedWorkers_HasNoAutoscale() =>
        Assert.Null(ConfigLoader.Load(_dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    run: ./web\n    workers: 3\n")).Services.Single().Autoscale);

    [Theory]
    [InlineData("{ min: 2, max: 8 }", "services.web.workers", "autoscaling needs `cpu`")]
    [InlineData("{ min: 9, max: 8, cpu: 50%..90% }", "services.web.workers", "min (9) is greater than max (8)")]
    [InlineData("{ min: 2, max: 8, cpu: 90%..50% }", "services.web.workers.cpu", "expected a CPU band like 50%..90%")]
    [InlineData("{ min: 2, max: 8, cpu: 50..90 }", "services.web.workers.cpu", "expected a CPU band")]
    [InlineData("{ min: 2, max: 8, cpu: 50%..90%, step: 2 }", "services.web.workers.step", "unknown key")]
    public void Load_BadAutoscale_ReportsTheField(string workers, string field, string message)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(_dir.Write("pier.yaml", $"name: shop\nservices:\n  web:\n    run: ./web\n    workers: {workers}\n")));

        Assert.Contains(e.Errors, error => error.Field == field && error.Message.Contains(message));
    }
}
