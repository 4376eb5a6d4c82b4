using System.Net;

namespace Pier.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class BeforeStepTests
{
    [Fact]
    public async Task Steps_RunOnceInOrder_BeforeAnyWorkerStarts()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", TestConfigs.FastApi("steps", port, workers: 2, run: TestConfigs.UvicornWithAccessLog, extra: $"""
            before:
              - echo first >> {dir.Path}/order; sleep 0.5
              - echo second >> {dir.Path}/order; echo migrating
            """));
        await using var pier = PierProcess.Start(dir);
        var status = await pier.WaitForReadyAsync("web", 2);

        Assert.Equal(["first", "second"], File.ReadAllLines(Path.Combine(dir.Path, "order")));
        Assert.Contains("before.2  | migrating", pier.Output);
        // Each worker started after the last step ended.
        var stepsDone = File.GetLastWriteTimeUtc(Path.Combine(dir.Path, "order"));
        Assert.All(status.Services[0].Workers, w => Assert.True(w.UptimeSeconds <= (DateTime.UtcNow - stepsDone).TotalSeconds + 0.5));
        using var client = Loopback.Client(port);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task AFailingStep_StopsPierWithItsExitCode_AndNoWorkerStarts()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", $$"""
            name: steps
            services:
              web:
                run: touch {{dir.Path}}/worker-started; sleep 60
            before:
              - echo ok
              - echo "relation users does not exist" >&2; exit 4
              - touch {{dir.Path}}/third-step-ran
            listen: { http: "127.0.0.1:{{port}}" }
            """);
        await using var pier = PierProcess.Start(dir);

        Assert.Equal(4, await pier.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("before step 2", pier.Output);
        Assert.Contains("relation users does not exist", pier.Output);
        Assert.False(File.Exists(Path.Combine(dir.Path, "worker-started")));
        Assert.False(File.Exists(Path.Combine(dir.Path, "third-step-ran")));
    }
}
