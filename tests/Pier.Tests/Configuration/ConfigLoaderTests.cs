using Pier.Configuration;

namespace Pier.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    /// <summary>The smallest valid file; tests add what they look at.</summary>
    internal const string Minimal = """
        name: shop
        services:
          web:
            run: ./web
        """;

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_FullExample_ReadsEveryField()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "app"));
        _dir.Write(".env", "SECRET=from-file\n");
        var path = _dir.Write("pier.yaml", """
            name: shop                          # names the control socket

            services:
              web:
                run: uvicorn main:app --host 127.0.0.1 --port $PORT
                dir: ./app
                env: { DATABASE_URL: "postgresql://app@localhost/shop" }
                env_file: .env
                workers: 4
                http:
                  health: /healthz
                  hosts: [api.example.com]
                memory: { limit: 512MiB }
                stop: { timeout: 30s }
                restart: { backoff: 1s..60s, give_up: 5 in 1m }
                user: www-data
              queue:
                run: celery -A tasks worker
                workers: 2

            before:
              - alembic upgrade head

            https:
              domains: [api.example.com]
              email: ops@example.com
              ca: letsencrypt

            listen: { http: 80, https: 443 }
            admin:  { listen: 127.0.0.1:9180 }
            """);

        var config = ConfigLoader.Load(path);

        Assert.Equal("shop", config.Name);
        Assert.Equal(path, config.FilePath);
        Assert.Equal(Path.Combine(_dir.Path, ".pier"), config.StateDirectory);
        Assert.Equal([new BeforeStep(1, "alembic upgrade head")], config.Before);
        Assert.Equal(new ListenConfig(null, 80, null, 443), config.Listen);
        Assert.NotNull(config.Https);
        Assert.Equal(["api.example.com"], config.Https.Domains);
        Assert.Equal(new Uri(HttpsConfig.LetsEncrypt), config.Https.AcmeDirectoryUrl);
        Assert.Equal(["web", "queue"], config.Services.Select(s => s.Name));

        var web = config.Services[0];
        Assert.Equal("uvicorn main:app --host 127.0.0.1 --port $PORT", web.Run);
        Assert.Equal(Path.Combine(_dir.Path, "app"), web.Directory);
        Assert.Equal("postgresql://app@localhost/shop", web.Env["DATABASE_URL"]);
        Assert.Equal("from-file", web.Env["SECRET"]);
        Assert.Equal(4, web.Workers);
        Assert.NotNull(web.Http);
        Assert.Equal(new HealthCheckConfig("/healthz", HealthCheckConfig.DefaultInterval, HealthCheckConfig.DefaultTimeout, HealthCheckConfig.DefaultFailures), web.Http.Health);
        Assert.Equal(["api.example.com"], web.Http.Hosts);
        Assert.Equal(TimeSpan.FromSeconds(30), web.StopTimeout);
        Assert.Equal(new RestartPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 5, TimeSpan.FromMinutes(1)), web.Restart);

        var queue = config.Services[1];
        Assert.Equal(2, queue.Workers);
        Assert.Null(queue.Http);
    }

    [Fact]
    public void Load_MinimalFile_FillsInDefaults()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal));

        var web = Assert.Single(config.Services);
        Assert.Equal(_dir.Path, web.Directory);
        Assert.Empty(web.Env);
        Assert.Equal(1, web.Workers);
        Assert.Null(web.Http);
        Assert.Equal(TimeSpan.FromSeconds(10), web.StopTimeout);
        Assert.Equal(RestartPolicy.Default, web.Restart);
        Assert.Empty(config.Before);
        Assert.Equal(new ListenConfig(null, ListenConfig.DefaultHttpPort), config.Listen);
        Assert.Equal(Path.Combine(_dir.Path, ".pier"), config.StateDirectory);
        Assert.Equal(TimeSpan.FromSeconds(10), config.LongestStopTimeout);
    }

    [Fact]
    public void Load_EnvFileAndEnv_EnvOverridesTheFile()
    {
        _dir.Write("config/app.env", """
            # shared settings
            export A=from-file
            B="two words"   # a comment
            C='literal $HOME'

            """);
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", """
            name: shop
            services:
              web:
                run: ./web
                env_file: config/app.env
                env:
                  A: from-yaml
                  PORT_COUNT: 3
                  EMPTY:
            """));

        var env = config.Services[0].Env;
        Assert.Equal("from-yaml", env["A"]);
        Assert.Equal("two words", env["B"]);
        Assert.Equal("literal $HOME", env["C"]);
        Assert.Equal("3", env["PORT_COUNT"]);
        Assert.Equal("", env["EMPTY"]);
    }

    [Fact]
    public void Load_RelativePaths_ResolveAgainstTheConfigDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "src", "api"));
        var config = ConfigLoader.Load(_dir.Write("deploy/pier.yaml", """
            name: shop
            state: ../var/pier
            services:
              web:
                run: ./web
                dir: ../src/api
            """));

        Assert.Equal(Path.Combine(_dir.Path, "src", "api"), config.Services[0].Directory);
        Assert.Equal(Path.Combine(_dir.Path, "var", "pier"), config.StateDirectory);
        Assert.Equal(Path.Combine(_dir.Path, "deploy"), config.BaseDirectory);
    }

    [Fact]
    public void Load_StateOverride_WinsOverTheFile()
    {
        var overridden = Path.Combine(_dir.Path, "elsewhere");
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "\nstate: ./mine\n"), overridden);

        Assert.Equal(overridden, config.StateDirectory);
    }

    [Fact]
    public void Load_WorkersAuto_UsesTheProcessorCount()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "\n    workers: auto\n"));

        Assert.Equal(Math.Min(Environment.ProcessorCount, 1000), config.Services[0].Workers);
        Assert.True(config.Services[0].WorkersAuto);
    }

    [Fact]
    public void Load_HealthMapping_OverridesOnlyWhatIsGiven()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + """

                http:
                  health: { path: /ready, interval: 1m30s, failures: 5 }
            """));

        Assert.Equal(
            new HealthCheckConfig("/ready", TimeSpan.FromSeconds(90), HealthCheckConfig.DefaultTimeout, 5),
            config.Services[0].Http?.Health);
    }

    [Fact]
    public void Load_EmptyHttpMapping_MakesAnHttpServiceWithoutHealthCheck()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "\n    http: {}\n"));

        var http = config.Services[0].Http;
        Assert.NotNull(http);
        Assert.Null(http.Health);
        Assert.Empty(http.Hosts);
    }

    [Fact]
    public void Load_AdminWithoutTokenOnAPublicAddress_IsRefused()
    {
        var path = _dir.Write("pier.yaml", Minimal + "\nadmin: { listen: \"0.0.0.0:9180\", token: off }\n");

        var error = Assert.Single(Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors);
        Assert.Equal("admin.token", error.Field);
        Assert.Contains("reachable from other hosts", error.Message);
    }

    [Fact]
    public void Load_AdminWithoutTokenOnLoopback_IsAllowed()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "\nadmin: { listen: \"127.0.0.1:9180\", token: off, metrics: token }\n"));

        Assert.Equal(new AdminConfig("127.0.0.1", 9180, true, RequireToken: false, MetricsOpen: false), config.Admin);
    }

    [Fact]
    public void Load_UrlService_ForwardsWithoutWorkers()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", "name: front\nservices:\n  api:\n    url: http://api:8000\n"));

        var api = config.Services[0];
        Assert.Equal(new Uri("http://api:8000"), api.Upstream);
        Assert.Equal(0, api.Workers);
        Assert.NotNull(api.Http);
    }

    [Theory]
    [InlineData("    url: http://api:8000\n    run: ./api\n", "not both")]
    [InlineData("    url: api:8000/v1\n", "expected a URL like http://api:8000")]
    public void Load_BadUrlService_IsRefused(string service, string message)
    {
        var path = _dir.Write("pier.yaml", "name: front\nservices:\n  api:\n" + service);

        var error = Assert.Single(Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors);
        Assert.Equal("services.api.url", error.Field);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("    run: uvicorn main:app --uds $SOCKET\n    http: {}\n")]
    [InlineData("    run: dotnet api.dll --urls http://unix:${SOCKET}\n    http: { health: /healthz }\n")]
    public void Load_SocketInRun_GivesTheWorkersUnixSockets(string service)
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", "name: uds\nservices:\n  web:\n" + service));

        Assert.True(config.Services[0].Http!.UnixSocket);
    }

    [Fact]
    public void Load_PortInRun_KeepsLoopbackPorts()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", "name: uds\nservices:\n  web:\n    run: ./api --port $PORT --log $SOCKETS_LOG\n    http: {}\n"));

        Assert.False(config.Services[0].Http!.UnixSocket);
    }

    [Theory]
    [InlineData("    run: ./api --port $PORT --uds $SOCKET\n    http: {}\n", "uses both $PORT and $SOCKET")]
    [InlineData("    run: ./queue --socket ${SOCKET}\n", "only an HTTP service gets")]
    public void Load_SocketMisused_IsRefusedWithTheLine(string service, string message)
    {
        var path = _dir.Write("pier.yaml", "name: uds\nservices:\n  web:\n" + service);

        var error = Assert.Single(Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors);
        Assert.Equal("services.web.run", error.Field);
        Assert.Equal(4, error.Line);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Load_MemoryAndUser_AreKept()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "\n    memory: { limit: 512MiB, hard: 1GiB }\n    user: www-data\n"));

        var service = config.Services[0];
        Assert.Equal(new MemoryConfig(512L << 20, 1L << 30, null), service.Memory);
        Assert.Equal("www-data", service.User);
    }

    [Fact]
    public void Load_GiveUpNever_NeverGivesUp()
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + "\n    restart: { give_up: never, backoff: 500ms..5s }\n"));

        var restart = config.Services[0].Restart;
        Assert.Equal(int.MaxValue, restart.GiveUpCount);
        Assert.Equal(TimeSpan.FromMilliseconds(500), restart.BackoffMin);
        Assert.Equal(TimeSpan.FromSeconds(5), restart.BackoffMax);
    }

    [Theory]
    [InlineData("8080", null, 8080)]
    [InlineData("127.0.0.1:8080", "127.0.0.1", 8080)]
    [InlineData("\"[::1]:8443\"", "::1", 8443)]
    [InlineData("'0.0.0.0:80'", "0.0.0.0", 80)]
    public void Load_ListenHttp_AcceptsPortOrAddress(string value, string? address, int port)
    {
        var config = ConfigLoader.Load(_dir.Write("pier.yaml", Minimal + $"\nlisten:\n  http: {value}\n"));

        Assert.Equal(new ListenConfig(address, port), config.Listen);
    }
}
