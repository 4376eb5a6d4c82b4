using System.Net;

namespace Pier.Tests.EndToEnd;

/// <summary>`pier init` on copies of the examples and on a Procfile: the file it writes passes `pier check` and runs.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class InitTests
{
    [Fact]
    public async Task Init_OnTheFastApiExample_WritesAConfigThatRuns()
    {
        using var dir = new TestDirectory();
        File.Copy(Path.Combine(Examples.FastApi, "main.py"), Path.Combine(dir.Path, "main.py"));

        await InitCheckAndServeAsync(dir, TimeSpan.FromSeconds(60));

        Assert.Contains("run: \"/usr/bin/python3 -m uvicorn main:app --host 127.0.0.1 --port $PORT\"", File.ReadAllText(Path.Combine(dir.Path, "pier.yaml")));
    }

    [Fact]
    public async Task Init_OnTheAspNetExample_PublishesInABeforeStep_AndRuns()
    {
        using var dir = new TestDirectory();
        foreach (var file in (string[])["HelloAspnet.csproj", "Program.cs"])
            File.Copy(Path.Combine(Examples.AspNet, file), Path.Combine(dir.Path, file));
        // The example takes its target framework from the checkout's Directory.Build.props.
        foreach (var file in (string[])["Directory.Build.props", "Directory.Packages.props"])
            File.Copy(Path.Combine(Examples.Root, file), Path.Combine(dir.Path, file));

        await InitCheckAndServeAsync(dir, TimeSpan.FromSeconds(180));

        Assert.Contains("dotnet publish HelloAspnet.csproj", File.ReadAllText(Path.Combine(dir.Path, "pier.yaml")));
    }

    [Fact]
    public async Task Init_OnAProcfile_MakesEveryLineAService_AndWebGetsHttp()
    {
        using var dir = new TestDirectory();
        dir.Write("Procfile", "web: /usr/bin/python3 -m http.server $PORT --bind 127.0.0.1\nclock: sleep 300\n");

        await InitCheckAndServeAsync(dir, TimeSpan.FromSeconds(60));

        var (_, stdout, _) = await PierCli.RunAsync(dir.Path, "check");
        Assert.Contains("2 service(s)", stdout);
    }

    [Fact]
    public async Task Init_RefusesToOverwrite_WithoutForce()
    {
        using var dir = new TestDirectory();
        dir.Write("Procfile", "web: ./serve\n");
        dir.Write("pier.yaml", "mine\n");

        var (code, _, stderr) = await PierCli.RunAsync(dir.Path, "init");
        Assert.Equal(2, code);
        Assert.Contains("--force", stderr);
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(dir.Path, "pier.yaml")));

        (code, _, _) = await PierCli.RunAsync(dir.Path, "init", "--force");
        Assert.Equal(0, code);
        Assert.Contains("web:", File.ReadAllText(Path.Combine(dir.Path, "pier.yaml")));
    }

    [Fact]
    public async Task Init_InADirectoryWithoutAnApp_SaysWhatItLooksFor()
    {
        using var dir = new TestDirectory();

        var (code, _, stderr) = await PierCli.RunAsync(dir.Path, "init");

        Assert.Equal(1, code);
        Assert.Contains("Procfile", stderr);
        Assert.False(File.Exists(Path.Combine(dir.Path, "pier.yaml")));
    }

    private static async Task InitCheckAndServeAsync(TestDirectory dir, TimeSpan readyTimeout)
    {
        var port = Loopback.FreePort();
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "init", "--port", port.ToString());
        Assert.True(code == 0, stdout + stderr);
        (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "check");
        Assert.True(code == 0, stdout + stderr + File.ReadAllText(Path.Combine(dir.Path, "pier.yaml")));

        // init writes a public listener; the test keeps to loopback.
        var config = Path.Combine(dir.Path, "pier.yaml");
        File.WriteAllText(config, File.ReadAllText(config).Replace($"listen: {{ http: {port} }}", $"listen: {{ http: \"127.0.0.1:{port}\" }}"));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2, readyTimeout);
        using var client = Loopback.Client(port);
        var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
