using System.Diagnostics;
using Pier.Supervision;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// Debian's PostgreSQL started for one test on a free loopback port, in a fresh data directory with
/// trust authentication; stopped by PID and removed afterwards. As root it runs as the postgres user.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly Process _server;
    private readonly string _directory;

    private PostgresServer(Process server, string directory, int port)
    {
        _server = server;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"postgres://postgres@127.0.0.1:{Port}/postgres";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).First();
        var directory = Directory.CreateTempSubdirectory("pier-pg-").FullName;
        var data = Path.Combine(directory, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
            await RunAsync("chown", "-R", "postgres:postgres", directory);
        await RunAsync(Command(asRoot, Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"));

        var port = Loopback.FreePort();
        var (file, args) = Command(asRoot, Path.Combine(bin, "postgres"), "-D", data, "-p", port.ToString(), "-k", directory,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off");
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        var server = Process.Start(info)!;
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var postgres = new PostgresServer(server, directory, port);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var ready = await RunAsync(Path.Combine(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", port.ToString()], check: false);
            if (ready == 0)
                return postgres;
            await Task.Delay(200);
        }
        await postgres.DisposeAsync();
        throw new InvalidOperationException("PostgreSQL did not become ready within 30 s");
    }

    private static (string File, string[] Args) Command(bool asRoot, string file, params string[] args) =>
        asRoot ? ("runuser", ["-u", "postgres", "--", file, .. args]) : (file, args);

    private static Task<int> RunAsync((string File, string[] Args) command) => RunAsync(command.File, command.Args);

    private static Task<int> RunAsync(string file, params string[] args) => RunAsync(file, args, check: true);

    private static async Task<int> RunAsync(string file, string[] args, bool check)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (check && process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {await output}{await error}");
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        // runuser keeps the server as its child; signal the whole session so postgres itself stops.
        if (!_server.HasExited)
        {
            _server.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _server.WaitForExitAsync(timeout.Token);
        }
        _server.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
