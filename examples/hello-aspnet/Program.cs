// A tiny ASP.NET Core app to run under Pier: it reports which worker answered, and has endpoints
// to exercise health checks, slow requests, crashes and memory growth.

var port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), out var p) && p is > 0 and < 65536 ? p : 5000;
// Pier gives a worker SOCKET instead of PORT when its run line says $SOCKET: a Unix socket is cheaper than loopback TCP.
var socket = Environment.GetEnvironmentVariable("SOCKET");
var worker = Environment.GetEnvironmentVariable("PIER_WORKER");
var pid = Environment.ProcessId;

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls(string.IsNullOrEmpty(socket) ? $"http://127.0.0.1:{port}" : $"http://unix:{socket}");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

var app = builder.Build();

app.MapGet("/", () => Results.Json(new Dictionary<string, object?>
{
    ["pid"] = pid,
    ["port"] = string.IsNullOrEmpty(socket) ? port : null,
    ["socket"] = socket,
    ["worker"] = worker,
    ["app"] = "hello-aspnet",
}));

// What the front door forwarded, so tests can check X-Forwarded-* and Host.
app.MapGet("/headers", (HttpRequest request) =>
    Results.Json(request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));

app.MapGet("/healthz", () => Results.Text("ok"));

app.MapGet("/slow", async (int? ms, CancellationToken aborted) =>
{
    var sleep = Math.Clamp(ms ?? 1000, 0, 60_000);
    await Task.Delay(sleep, aborted);
    return Results.Json(new Dictionary<string, object?> { ["pid"] = pid, ["slept_ms"] = sleep });
});

app.MapGet("/crash", () =>
{
    Console.Error.WriteLine("crashing on request");
    Console.Error.Flush();
    Environment.Exit(3);
    return Results.Empty; // not reached
});

app.MapGet("/grow", (int? mb) =>
{
    var add = Math.Clamp(mb ?? 10, 0, 4096);
    var total = Ballast.Grow(add);
    return Results.Json(new Dictionary<string, object?> { ["pid"] = pid, ["added_mb"] = add, ["held_mb"] = total });
});

app.Lifetime.ApplicationStarted.Register(() =>
    Console.WriteLine($"hello-aspnet listening on 127.0.0.1:{port} (pid {pid})"));

app.Run();

/// <summary>Memory this process holds on purpose, so RSS really grows.</summary>
static class Ballast
{
    private const int MiB = 1024 * 1024;
    private static readonly List<byte[]> Held = [];
    private static readonly Lock Gate = new();

    public static int Grow(int mb)
    {
        lock (Gate)
        {
            for (var i = 0; i < mb; i++)
            {
                var block = GC.AllocateUninitializedArray<byte>(MiB);
                // Touch every page so the OS actually backs it.
                for (var offset = 0; offset < block.Length; offset += Environment.SystemPageSize)
                    block[offset] = 1;
                Held.Add(block);
            }
            return Held.Count;
        }
    }
}
