using System.Diagnostics;
using Pier.Control;
using Pier.Os;
using Pier.Supervision;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// Pier as a container's PID 1: started as the first process of a new PID namespace, where every
/// orphan becomes its child and nothing else reaps them.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class Pid1Tests
{
    [Fact]
    public async Task Up_AsPid1_ReapsOrphansOfWorkers_AndDrainsOnSigterm()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        // Each inner shell exits at once and leaves its sleep behind: an orphan that ends 0.2 s later.
        dir.Write("pier.yaml", $$"""
            name: init
            services:
              web:
                run: /usr/bin/python3 -m http.server $PORT --bind 127.0.0.1
                http: { health: / }
              leaver:
                run: for i in 1 2 3 4 5; do sh -c 'sleep 0.2 &'; done; exec sleep 300
            listen: { http: "127.0.0.1:{{port}}" }
            """);
        var info = new ProcessStartInfo("unshare", ["--pid", "--fork", "--mount-proc", "dotnet", PierCli.Dll, "up"])
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["NO_COLOR"] = "1";
        using var unshare = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        unshare.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        unshare.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        unshare.BeginOutputReadLine();
        unshare.BeginErrorReadLine();
        var pier = 0;
        try
        {
            pier = await WaitForAsync(() => Child(unshare.Id), TimeSpan.FromSeconds(10), "Pier to start in the namespace", output);
            using var client = new ControlClient(Path.Combine(dir.Path, ".pier"));
            await WaitForAsync(async () => (await Status(client))?.Services.All(s => s.Ready == s.Desired) == true ? 1 : 0,
                TimeSpan.FromSeconds(60), "every worker up", output);

            // The orphans ended as Pier's children; within a few reaping rounds none is left a zombie.
            await Task.Delay(TimeSpan.FromSeconds(1));
            await WaitForAsync(() => Task.FromResult(ZombieReaper.ZombieChildren(pier).Any() ? 0 : 1),
                TimeSpan.FromSeconds(10), "no zombie children of Pier", output);
            Assert.Contains("leaver.1", (await Status(client))!.Services.Single(s => s.Name == "leaver").Workers.Single(w => w.State == "running").Id);

            Signals.Send(pier, Signals.SIGTERM);
            await WaitForAsync(() => Task.FromResult(unshare.HasExited ? 1 : 0), TimeSpan.FromSeconds(30), "Pier to drain and exit after SIGTERM", output);
            unshare.WaitForExit();
            Assert.True(unshare.ExitCode == 0, string.Join('\n', output));
            Assert.Contains(output, line => line.Contains("stopped"));
        }
        finally
        {
            // Killing a namespace's init ends every process in it.
            if (!unshare.HasExited && pier > 0)
                Signals.Send(pier, Signals.SIGKILL);
            if (!unshare.HasExited)
                unshare.Kill();
        }
    }

    private static async Task<StatusReport?> Status(ControlClient client)
    {
        try
        {
            return await client.StatusAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    private static Task<int> Child(int parent)
    {
        var children = File.Exists($"/proc/{parent}/task/{parent}/children") ? File.ReadAllText($"/proc/{parent}/task/{parent}/children") : "";
        return Task.FromResult(int.TryParse(children.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), out var pid) ? pid : 0);
    }

    private static async Task<int> WaitForAsync(Func<Task<int>> probe, TimeSpan timeout, string what, IEnumerable<string> output)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await probe() is > 0 and var value)
                return value;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"timed out after {timeout} waiting for {what}\n{string.Join('\n', output)}");
    }
}
