using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Pier.Init;

/// <summary>
/// Recognises the app in a directory: a Procfile, an ASP.NET project, a FastAPI module or a Node
/// package with a start script, in that order (a Procfile says explicitly what to run).
/// </summary>
internal static partial class ProjectDetector
{
    public const string Recognised = "a Procfile, an ASP.NET project (*.csproj with Sdk=\"Microsoft.NET.Sdk.Web\"), " +
        "a Python module creating FastAPI(), or a package.json with a start script";

    public static InitPlan? Detect(string directory) =>
        Procfile(directory) ?? AspNet(directory) ?? FastApi(directory) ?? Node(directory);

    private static InitPlan? Procfile(string directory)
    {
        var file = Path.Combine(directory, "Procfile");
        if (!File.Exists(file))
            return null;
        var services = new List<PlannedService>();
        foreach (var line in File.ReadLines(file))
        {
            var match = ProcfileLine().Match(line);
            if (!match.Success)
                continue;
            var name = ServiceName(match.Groups[1].Value);
            var isWeb = name == "web";
            services.Add(new PlannedService(name, match.Groups[2].Value.Trim(), isWeb, null, isWeb ? 2 : 1));
        }
        return services.Count == 0 ? null : new InitPlan("the Procfile", services, [],
            ["Each Procfile line is a service; `web` gets HTTP: it must listen on 127.0.0.1:$PORT."]);
    }

    private static InitPlan? AspNet(string directory)
    {
        foreach (var project in Directory.EnumerateFiles(directory, "*.csproj").Order(StringComparer.Ordinal))
        {
            XDocument xml;
            try
            {
                xml = XDocument.Load(project);
            }
            catch (System.Xml.XmlException)
            {
                continue;
            }
            if ((string?)xml.Root?.Attribute("Sdk") != "Microsoft.NET.Sdk.Web")
                continue;
            var file = Path.GetFileName(project);
            var assembly = xml.Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0)
                ?? Path.GetFileNameWithoutExtension(project);
            var sources = string.Join('\n', Directory.EnumerateFiles(directory, "*.cs").Select(File.ReadAllText));
            var service = new PlannedService("web", $"dotnet out/{assembly}.dll --urls http://127.0.0.1:$PORT", true, HealthPath(sources), 2);
            return new InitPlan($"an ASP.NET project ({file})", [service],
                [$"dotnet publish {file} -c Release -o out --nologo -v q"],
                ["The before step publishes the app into out/ before workers start, and again on every `pier reload`.",
                 "--urls puts each worker on its own loopback port; an app that calls UseUrls itself should read PORT instead."]);
        }
        return null;
    }

    private static InitPlan? FastApi(string directory)
    {
        foreach (var module in Directory.EnumerateFiles(directory, "*.py").Order(StringComparer.Ordinal))
        {
            var source = File.ReadAllText(module);
            var app = FastApiApp().Match(source);
            if (!app.Success)
                continue;
            var name = Path.GetFileNameWithoutExtension(module);
            var (python, why) = Python(directory);
            var service = new PlannedService("web", $"{python} -m uvicorn {name}:{app.Groups[1].Value} --host 127.0.0.1 --port $PORT",
                true, HealthPath(source), 2);
            return new InitPlan($"a FastAPI app ({Path.GetFileName(module)})", [service], [], [why]);
        }
        return null;
    }

    private static InitPlan? Node(string directory)
    {
        var file = Path.Combine(directory, "package.json");
        if (!File.Exists(file))
            return null;
        try
        {
            using var package = JsonDocument.Parse(File.ReadAllText(file));
            if (!package.RootElement.TryGetProperty("scripts", out var scripts) || scripts.ValueKind != JsonValueKind.Object
                || !scripts.TryGetProperty("start", out _))
                return null;
        }
        catch (JsonException)
        {
            return null;
        }
        return new InitPlan("a Node package (package.json)", [new PlannedService("web", "npm start", true, null, 2)], [],
            ["`npm start` runs once per worker; the app must listen on 127.0.0.1 and the port in process.env.PORT."]);
    }

    /// <summary>
    /// The interpreter that really has uvicorn: a project virtualenv first, then Debian's
    /// /usr/bin/python3, then python3 from PATH (which may be a pyenv one without the packages).
    /// </summary>
    private static (string Python, string Why) Python(string directory)
    {
        foreach (var venv in (string[])[".venv/bin/python", "venv/bin/python"])
            if (File.Exists(Path.Combine(directory, venv)))
                return (venv, $"Python: the project's virtualenv ({venv}), which holds its packages.");
        if (HasUvicorn("/usr/bin/python3"))
            return ("/usr/bin/python3", "Python: /usr/bin/python3 in full, because it has fastapi and uvicorn here; a `python3` " +
                "found on PATH first (pyenv, another venv) may not, and the workers would crash on import.");
        if (HasUvicorn("python3"))
            return ("python3", "Python: python3 from PATH, the one that has fastapi and uvicorn here.");
        return ("python3", "Python: no python3 here imports fastapi and uvicorn yet; install them (apt install python3-fastapi " +
            "python3-uvicorn, or pip in a virtualenv and name its python here) before `pier up`.");
    }

    private static bool HasUvicorn(string python)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(python, ["-c", "import fastapi, uvicorn"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
                return false;
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill();
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string? HealthPath(string source) =>
        source.Contains("\"/healthz\"", StringComparison.Ordinal) ? "/healthz"
        : source.Contains("\"/health\"", StringComparison.Ordinal) ? "/health"
        : null;

    private static string ServiceName(string raw)
    {
        var name = NonName().Replace(raw.ToLowerInvariant(), "-").Trim('-');
        return name.Length == 0 || !char.IsAsciiLetterLower(name[0]) ? "svc-" + name : name;
    }

    [GeneratedRegex(@"^\s*([A-Za-z0-9_-]+)\s*:\s*(\S.*)$")]
    private static partial Regex ProcfileLine();

    [GeneratedRegex(@"^(\w+)\s*(?::[^=]*)?=\s*FastAPI\(", RegexOptions.Multiline)]
    private static partial Regex FastApiApp();

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex NonName();
}
