using System.Text;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// The pier.yaml texts of the end-to-end tests that run a bundled example app as service `web`
/// behind the front door on loopback. A test names only what it is about (workers, health checks,
/// timeouts, extra keys); the rest is written the same way for all.
/// </summary>
internal static class TestConfigs
{
    /// <summary>The FastAPI example's server with uvicorn's access log, for a test that reads what a worker saw.</summary>
    public const string UvicornWithAccessLog = "/usr/bin/python3 -m uvicorn main:app --host 127.0.0.1 --port $PORT";

    /// <summary>The FastAPI example's server; the access log would only fill the worker logs.</summary>
    public const string Uvicorn = UvicornWithAccessLog + " --no-access-log";

    /// <summary>A health check every second that gives up after one, so a hung or killed worker is seen within seconds.</summary>
    public const string QuickHealth = "{ path: /healthz, interval: 1s, timeout: 1s }";

    /// <param name="workers">Null leaves the key out: Pier's default of one.</param>
    /// <param name="health">The `http.health` value; null for a front-door service without health checks.</param>
    /// <param name="web">More keys of service `web`, one a line (indented here).</param>
    /// <param name="extra">YAML after service `web`, as it is: more services (indented two spaces) and top-level sections.</param>
    /// <param name="adminPort">The admin listener's port; null for none.</param>
    /// <param name="httpsPort">The HTTPS listener's port (the `https` section goes in <paramref name="extra"/>); null for none.</param>
    /// <param name="run">The worker's command.</param>
    /// <param name="dir">The app's directory; null for the bundled example.</param>
    public static string FastApi(string name, int port, int? workers = null, string? health = "/healthz", string web = "",
        string extra = "", int? adminPort = null, int? httpsPort = null, string run = Uvicorn, string? dir = null) =>
        Config(name, port, run, dir ?? Examples.FastApi, workers, health, web, extra, adminPort, httpsPort);

    /// <summary>The published hello-aspnet example (<see cref="Examples.AspNetDllAsync"/>) with health checks on /healthz.</summary>
    public static string AspNet(string name, string dll, int port, int workers, int? adminPort = null) =>
        Config(name, port, $"dotnet {dll}", dir: null, workers, "/healthz", web: "", extra: "", adminPort, httpsPort: null);

    private static string Config(string name, int port, string run, string? dir, int? workers, string? health, string web,
        string extra, int? adminPort, int? httpsPort)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine($"name: {name}");
        yaml.AppendLine("services:");
        yaml.AppendLine("  web:");
        yaml.AppendLine($"    run: {run}");
        if (dir is not null)
            yaml.AppendLine($"    dir: {dir}");
        if (workers is not null)
            yaml.AppendLine($"    workers: {workers}");
        yaml.AppendLine(health is null ? "    http: {}" : $"    http: {{ health: {health} }}");
        foreach (var line in web.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            yaml.AppendLine("    " + line);
        if (extra.Length > 0)
            yaml.AppendLine(extra);
        if (adminPort is not null)
            yaml.AppendLine($"admin: {{ listen: \"127.0.0.1:{adminPort}\" }}");
        var https = httpsPort is null ? "" : $", https: \"127.0.0.1:{httpsPort}\"";
        yaml.AppendLine($"listen: {{ http: \"127.0.0.1:{port}\"{https} }}");
        return yaml.ToString();
    }
}
