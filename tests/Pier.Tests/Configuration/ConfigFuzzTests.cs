using CsCheck;
using Pier.Configuration;

namespace Pier.Tests.Configuration;

/// <summary>
/// Thousands of generated and mutated pier.yaml files: loading one either succeeds or reports
/// positioned errors. Anything else (a crash, an error without a position) is a bug `pier check`
/// would show the operator as a stack trace.
/// </summary>
public sealed class ConfigFuzzTests : IDisposable
{
    private static readonly string[] Seeds =
    [
        """
        name: shop
        services:
          web:
            run: uvicorn main:app --port $PORT
            env: { DATABASE_URL: "postgresql://app@localhost/shop", DEBUG: 1 }
            workers: 4
            http:
              health: { path: /healthz, interval: 5s, timeout: 2s, failures: 3 }
              hosts: [api.example.com, www.example.com]
            memory: { limit: 512MiB, hard: 1GiB }
            stop: { timeout: 30s }
            restart: { backoff: 1s..60s, give_up: 5 in 1m }
            max_surge: 2
            ready_timeout: 45s
          queue:
            run: celery -A tasks worker
            workers: auto
        before:
          - alembic upgrade head
        before_timeout: 5m
        listen: { http: "127.0.0.1:8080" }
        admin: { listen: "127.0.0.1:9180" }
        """,
        """
        name: a
        services:
          x:
            run: ./x
        """,
        """
        name: tiny
        services: { web: { run: "sleep 1", http: {} } }
        listen: { http: 80 }
        state: .state
        lock: postgres://app@db/shop
        """,
    ];

    private static readonly string[] Tokens =
    [
        "name", "services", "run", "workers", "http", "health", "hosts", "env", "env_file", "dir", "memory", "limit", "stop",
        "restart", "backoff", "give_up", "before", "listen", "state", "lock", "admin", "https", "max_surge", "ready_timeout",
        ":", ": ", "- ", "{", "}", "[", "]", ",", "'", "\"", "\t", "\n", "  ", "&a ", "*a", "<<: *a", "!!int ", "!!binary ", "---", "...",
        "%YAML 1.2", "? ", "|", ">", "#", "~", "null", "true", "auto", "never", "0", "-1", "1001", "99999999999999999999", "1.5",
        "1.5GiB", "10PiB", "1m30s", "0ms", "..", "5 in", "in 1m", "/healthz", "127.0.0.1:", "[::1]:80", "\"[::1]:99999\"",
        "postgres://", "é", "\u0000", "\u2028", "\\u0000", "$PORT", "${PORT}",
    ];

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void TenThousandMutatedConfigs_LoadOrFailWithPositionedErrors()
    {
        var mutation = Gen.Select(Gen.Int[0, 6], Gen.Int[0, 1_000_000], Gen.Int[0, 1_000_000], Gen.Int[0, Tokens.Length - 1]);
        var file = Gen.Select(Gen.Int[0, Seeds.Length - 1], mutation.Array[1, 6]);
        file.Sample(input =>
        {
            var text = input.Item2.Aggregate(Seeds[input.Item1], (current, m) => Mutate(current, m.Item1, m.Item2, m.Item3, Tokens[m.Item4]));
            var path = _dir.Write($"{Guid.NewGuid():N}.yaml", text);
            try
            {
                ConfigLoader.Load(path);
            }
            catch (ConfigException e)
            {
                Assert.NotEmpty(e.Errors);
                Assert.All(e.Errors, error =>
                {
                    Assert.False(string.IsNullOrWhiteSpace(error.Message), "an error without a message");
                    Assert.True(error.Line >= 0 && error.Column >= 0, $"a negative position: {error}");
                });
            }
            finally
            {
                File.Delete(path);
            }
        }, iter: 10_000, threads: 2, print: input => string.Join(" ", input.Item2.Select(m => m.ToString())));
    }

    private static string Mutate(string text, int kind, int a, int b, string token)
    {
        if (text.Length == 0)
            return token;
        var lines = text.Split('\n').ToList();
        var at = a % text.Length;
        switch (kind)
        {
            case 0:
                return text.Remove(at, Math.Min(1 + b % 12, text.Length - at));
            case 1:
                lines.Insert(a % lines.Count, lines[b % lines.Count]);
                return string.Join('\n', lines);
            case 2:
                (lines[a % lines.Count], lines[b % lines.Count]) = (lines[b % lines.Count], lines[a % lines.Count]);
                return string.Join('\n', lines);
            case 3:
                return text.Insert(at, token);
            case 4:
                var line = a % lines.Count;
                lines[line] = new string(' ', b % 9) + lines[line].TrimStart();
                return string.Join('\n', lines);
            case 5:
                var target = a % lines.Count;
                var colon = lines[target].IndexOf(':');
                lines[target] = colon < 0 ? lines[target] + token : lines[target][..(colon + 1)] + " " + token;
                return string.Join('\n', lines);
            default:
                return text[..at];
        }
    }
}
