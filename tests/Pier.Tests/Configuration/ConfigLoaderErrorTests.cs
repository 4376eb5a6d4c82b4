using Pier.Configuration;

namespace Pier.Tests.Configuration;

/// <summary>What a bad pier.yaml gets: every error at once, each with the file, line, column and field.</summary>
public sealed class ConfigLoaderErrorTests : IDisposable
{
    private const string Minimal = ConfigLoaderTests.Minimal;

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    // Unknown keys, with and without a suggestion.
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nlistn: { http: 80 }\n", 5, 1, "listn", "unknown key; did you mean 'listen'?")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    worker: 4\n", 5, 5, "services.web.worker", "unknown key; did you mean 'workers'?")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    http: { helth: /h }\n", 5, 13, "services.web.http.helth", "did you mean 'health'?")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    colour: red\n", 5, 5, "services.web.colour", "unknown key; expected one of: run, dir,")]
    // Required fields.
    [InlineData("name: shop\nservices:\n  web:\n    workers: 2\n", 3, 3, "services.web", "missing `run`")]
    [InlineData("name: shop\nservices:\n  web:\n    run: \"\"\n", 4, 10, "services.web.run", "expected the command")]
    [InlineData("services:\n  web:\n    run: ./web\n", 1, 1, "name", "missing `name`")]
    [InlineData("name: shop\n", 1, 1, "services", "missing `services`")]
    [InlineData("name: shop\nservices: {}\n", 2, 11, "services", "expected at least one service")]
    // Names.
    [InlineData("name: Shop_1\nservices:\n  web:\n    run: ./web\n", 1, 7, "name", "invalid name 'Shop_1'; expected lowercase letters")]
    [InlineData("name: shop\nservices:\n  Web:\n    run: ./web\n", 3, 3, "services.Web", "invalid service name")]
    // Workers.
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    workers: 0\n", 5, 14, "services.web.workers", "expected a whole number from 1 to 1000 or 'auto'")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    workers: -1\n", 5, 14, "services.web.workers", "expected a whole number from 1 to 1000 or 'auto'")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    workers: lots\n", 5, 14, "services.web.workers", "expected a whole number from 1 to 1000 or 'auto'")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    workers: 1001\n", 5, 14, "services.web.workers", "from 1 to 1000")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    workers: { min: 2, max: 8 }\n", 5, 14, "services.web.workers", "autoscaling")]
    // Durations, restart policy.
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    stop: { timeout: 10 }\n", 5, 22, "services.web.stop.timeout", "expected a duration like 500ms, 30s or 1m")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    stop: 10s\n", 5, 11, "services.web.stop", "expected a mapping like { timeout: 30s }")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    restart: { backoff: 5s..1s }\n", 5, 25, "services.web.restart.backoff", "the shortest backoff (5s) is longer than the longest (1s)")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    restart: { backoff: 5s }\n", 5, 25, "services.web.restart.backoff", "expected a range like 1s..60s")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    restart: { give_up: five in 1m }\n", 5, 25, "services.web.restart.give_up", "like '5 in 1m', or 'never'")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    restart: { give_up: 0 in 1m }\n", 5, 25, "services.web.restart.give_up", "like '5 in 1m'")]
    // HTTP.
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    http: { health: healthz }\n", 5, 21, "services.web.http.health", "expected a path starting with /")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    http: { health: { interval: 5s } }\n", 5, 21, "services.web.http.health", "missing `path`")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    http: { health: { path: /h, failures: 0 } }\n", 5, 43, "services.web.http.health.failures", "from 1 to 100")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    http: true\n", 5, 11, "services.web.http", "write `http: {}`")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    http:\n      hosts: ['https://api.example.com']\n", 6, 15, "services.web.http.hosts.1", "expected a host name")]
    // Environment.
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    env: FOO=1\n", 5, 10, "services.web.env", "expected a mapping")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    env: { 1FOO: x }\n", 5, 12, "services.web.env.1FOO", "'1FOO' is not a valid variable name")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    env: { FOO: [1, 2] }\n", 5, 17, "services.web.env.FOO", "expected a string, number or boolean")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    env_file: missing.env\n", 5, 15, "services.web.env_file", "no such file: ")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    dir: ./nope\n", 5, 10, "services.web.dir", "no such directory: ")]
    // Memory and user are only checked for now.
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    memory: { limit: lots }\n", 5, 22, "services.web.memory.limit", "expected a size like 512MiB or 1GiB")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    memory: 512MiB\n", 5, 13, "services.web.memory", "expected a mapping like { limit: 512MiB }")]
    // Listen.
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nlisten: { http: 70000 }\n", 5, 17, "listen.http", "expected a port from 1 to 65535")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nlisten: { http: nonsense }\n", 5, 17, "listen.http", "expected a port from 1 to 65535")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nlisten: { http: [::1] }\n", 5, 17, "listen.http", "quote IPv6 addresses")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nlisten: { http: '::1:8080' }\n", 5, 17, "listen.http", "expected a port")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nlisten: 80\n", 5, 9, "listen", "expected a mapping like { http: 80 }")]
    // Before, https, admin.
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nbefore: alembic upgrade head\n", 5, 9, "before", "expected a list of commands")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nbefore:\n  - [a, b]\n", 6, 5, "before.1", "expected a list of commands")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nhttps: yes\n", 5, 8, "https", "expected a mapping")]
    // The file as a whole.
    [InlineData("", 1, 1, "", "the file is empty; it needs at least `name` and `services`")]
    [InlineData("# only a comment\n", 1, 1, "", "the file is empty")]
    [InlineData("- name: shop\n", 1, 1, "", "expected a mapping with at least `name` and `services`")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n---\nname: other\n", 5, 1, "", "expected one YAML document")]
    // YAML syntax.
    [InlineData("name: shop\nservices:\n  web:\n\t  run: ./web\n", 4, 1, "", "invalid YAML: found invalid tab as indentation; indent with spaces, not tabs")]
    [InlineData("name: shop\nservices:\n  web:\n    run: './web\n", 4, 10, "", "invalid YAML: found unexpected end of stream")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\nname: other\n", 5, 1, "name", "duplicate key")]
    [InlineData("name: shop\nservices:\n  web:\n    run: ./web\n    env: { A: 1, A: 2 }\n", 5, 18, "services.web.env.A", "duplicate key")]
    public void Load_BadFile_ReportsOneErrorWithItsPosition(string yaml, int line, int column, string field, string message)
    {
        var path = _dir.Write("pier.yaml", yaml);

        var error = Assert.Single(LoadErrors(path));

        Assert.Equal(path, error.File);
        Assert.Equal((line, column, field), (error.Line, error.Column, error.Field));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralMistakes_ReportsThemAllInFileOrder()
    {
        var path = _dir.Write("pier.yaml", """
            name: Shop
            services:
              web:
                run: ./web
                worker: 4
                stop: { timeout: 10 }
              queue:
                workers: lots
            listen: { http: 70000 }
            """);

        var errors = LoadErrors(path);

        Assert.Equal(
            [
                (1, 7, "name"),
                (5, 5, "services.web.worker"),
                (6, 22, "services.web.stop.timeout"),
                (7, 3, "services.queue"),
                (8, 14, "services.queue.workers"),
                (9, 17, "listen.http"),
            ],
            errors.Select(e => (e.Line, e.Column, e.Field)));
    }

    [Fact]
    public void Load_SeveralDuplicateKeys_ReportsEachOne()
    {
        var path = _dir.Write("pier.yaml", "name: shop\nname: shop\nservices:\n  web:\n    run: a\n    run: b\n");

        var errors = LoadErrors(path);

        Assert.Equal([(2, 1, "name"), (6, 5, "services.web.run")], errors.Select(e => (e.Line, e.Column, e.Field)));
    }

    [Fact]
    public void Load_BadEnvFileLine_NamesTheEnvFileAndItsLine()
    {
        _dir.Write("app.env", "GOOD=1\n\nthis line has no equals sign\nBAD-KEY=2\nQ=\"unclosed\n");
        var path = _dir.Write("pier.yaml", Minimal + "\n    env_file: app.env\n");

        var errors = LoadErrors(path);

        Assert.All(errors, e => Assert.Equal(Path.Combine(_dir.Path, "app.env"), e.File));
        Assert.All(errors, e => Assert.Equal("services.web.env_file", e.Field));
        Assert.Collection(
            errors,
            e => Assert.Equal((3, 1, "expected KEY=VALUE"), (e.Line, e.Column, e.Message)),
            e => Assert.Equal((4, 1, "'BAD-KEY' is not a valid variable name"), (e.Line, e.Column, e.Message[..38])),
            e => Assert.Equal((5, 3, "unclosed double quote"), (e.Line, e.Column, e.Message[..21])));
    }

    [Fact]
    public void Load_RelativePath_ShowsTheFileAsGiven()
    {
        var path = _dir.Write("pier.yaml", "name: shop\nservices:\n  web:\n    worker: 4\n    run: x\n");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);

        var error = Assert.Single(LoadErrors(relative));

        Assert.Equal(relative, error.File);
        Assert.Equal($"{relative}:4:5: services.web.worker: unknown key; did you mean 'workers'?", error.ToString());
    }

    [Fact]
    public void Load_MissingFile_SaysHowToCreateOne()
    {
        var path = Path.Combine(_dir.Path, "pier.yaml");

        var error = Assert.Single(LoadErrors(path));

        Assert.Equal(0, error.Line);
        Assert.Equal($"{path}: no such file; run `pier init` to create one", error.ToString());
    }

    [Fact]
    public void Load_Directory_SaysAFileIsExpected()
    {
        var error = Assert.Single(LoadErrors(_dir.Path));

        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigException_Message_ListsEveryError()
    {
        var exception = Assert.Throws<ConfigException>(() => ConfigLoader.Load(_dir.Write("pier.yaml", "name: A\n")));

        Assert.Equal(string.Join(Environment.NewLine, exception.Errors), exception.Message);
        Assert.Equal(2, exception.Errors.Count);
    }

    private static IReadOnlyList<ConfigError> LoadErrors(string path) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors;
}
