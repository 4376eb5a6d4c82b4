using System.Net;
using System.Text.Json;
using Pier.Os;

namespace Pier.Tests.EndToEnd;

/// <summary>Real `pier up` with the bundled example apps as workers, driven over loopback.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class FrontDoorTests
{
    private static string FastApiConfig(int port, int workers = 3, string extra = "") =>
        TestConfigs.FastApi("fastapi-test", port, workers, health: TestConfigs.QuickHealth, web: "stop: { timeout: 5s }", extra: extra);

    [Fact]
    public async Task ThreeFastApiWorkers_AnswerFromThreeDistinctPids()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port));
        await using var pier = PierProcess.Start(dir);
        var status = await pier.WaitForReadyAsync("web", 3);

        var pids = await DistinctPidsAsync(port, 60);
        Assert.Equal(3, pids.Count);
        Assert.Equal(status.Services[0].Workers.Select(w => w.Pid!.Value).Order(), pids.Order());
    }

    [Fact]
    public async Task ThreeAspNetWorkers_AnswerFromThreeDistinctPids()
    {
        var dll = await Examples.AspNetDllAsync();
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", TestConfigs.AspNet("aspnet-test", dll, port, workers: 3));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 3);

        var pids = await DistinctPidsAsync(port, 60);
        Assert.Equal(3, pids.Count);
    }

    [Fact]
    public async Task KilledWorker_NoRequestFails_AndTheWorkerComesBack()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port));
        await using var pier = PierProcess.Start(dir);
        var before = await pier.WaitForReadyAsync("web", 3);
        var victim = before.Services[0].Workers[1];

        using var client = Loopback.Client(port);
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var sent = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync("/");
                    if (response.StatusCode != HttpStatusCode.OK)
                        failures.Add($"status {(int)response.StatusCode}");
                }
                catch (HttpRequestException e)
                {
                    failures.Add(e.Message);
                }
                sent++;
            }
        });

        await Task.Delay(500);
        Assert.True(Signals.Send(victim.Pid!.Value, Signals.SIGKILL));
        var after = await pier.WaitForAsync(s =>
        {
            var w = s.Services[0].Workers.Single(x => x.Id == victim.Id);
            return w.State == "ready" && w.Pid != victim.Pid;
        }, TimeSpan.FromSeconds(30), $"{victim.Id} to come back");
        await Task.Delay(500);
        await stop.CancelAsync();
        await load;

        Assert.True(sent > 50, $"only {sent} requests were sent");
        Assert.Empty(failures);
        var revived = after.Services[0].Workers.Single(x => x.Id == victim.Id);
        Assert.Equal(1, revived.Restarts);
        Assert.Contains("SIGKILL", revived.LastExit);
    }

    [Fact]
    public async Task ServiceThatAlwaysExits_EndsFailedWithReason_WhileTheOtherKeepsServing()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, workers: 1, extra: """
              broken:
                run: echo "cannot connect to the database" >&2; exit 7
                restart: { backoff: 100ms..200ms, give_up: 3 in 1m }
            """));
        await using var pier = PierProcess.Start(dir);
        var status = await pier.WaitForAsync(s => s.Services.Single(x => x.Name == "broken").Workers[0].State == "failed",
            TimeSpan.FromSeconds(30), "broken.1 to fail");

        var broken = status.Services.Single(x => x.Name == "broken").Workers[0];
        Assert.Contains("exit code 7", broken.LastExit);
        Assert.Contains("3 crashes", broken.LastExit);
        Assert.Equal("cannot connect to the database", broken.LastStderr[^1]);

        await pier.WaitForReadyAsync("web", 1);
        using var client = Loopback.Client(port);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        var (code, stdout, _) = await PierCli.RunAsync(dir.Path, "status");
        Assert.Equal(0, code);
        Assert.Contains("failed", stdout);
        Assert.Contains("exit code 7", stdout);
    }

    /// <summary>
    /// A request that kills the worker it reaches: a GET is tried on one other worker, a POST on none, as
    /// it may have done its work. Either way the third worker is untouched and Pier's log says why. (The
    /// HTTP client re-sends a bodiless request on a new connection, which the dead worker refuses: that
    /// refusal must not pass for one that happened before the request was sent.)
    /// </summary>
    [Theory]
    [InlineData("GET", 2, "two workers broke on it")]
    [InlineData("POST", 1, "it may not be retried")]
    public async Task ARequestThatKillsWorkers_IsNotTriedOnEveryWorker_AndThe502IsLogged(string method, int crashed, string why)
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 3);

        using var client = Loopback.Client(port);
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/crash"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var logged = await pier.WaitForLineAsync("/crash answered");
        var after = await pier.WaitForAsync(s => s.Services[0].Workers.Count(w => w.Restarts > 0) == crashed && s.Services[0].Workers.All(w => w.State == "ready"),
            TimeSpan.FromSeconds(30), $"{crashed} crashed worker(s) to be back");
        Assert.Equal(3 - crashed, after.Services[0].Workers.Count(w => w.Restarts == 0));
        // One request as the client saw it, however many workers it was tried on.
        Assert.Equal((1, 1), (after.Services[0].Requests, after.Services[0].ServerErrors));
        Assert.Matches($@"proxy.*{method} 127\.0\.0\.1:\d+/crash answered 502 \({why}\): web\.\d: (the connection closed without an answer, and a new one was refused \(the worker had exited\)|Request: .+, after the request was sent), \d+ ms in", logged);
        Assert.Equal(crashed - 1, logged.Split("; then ").Length - 1);
    }

    /// <summary>
    /// Two of three workers close every connection with the request unread, so the kernel resets it: that
    /// is no sign against the request, so a GET goes on to the third worker instead of ending in a 502
    /// after two attempts (as a request that kills workers does).
    /// </summary>
    [Fact]
    public async Task WorkersThatResetConnections_DoNotCountAgainstTheRequest_AndEveryGetIsAnswered()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("server.py", """
            import os, socket, threading, time
            listener = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
            good = os.environ["PIER_WORKER"] == "web.3"

            def serve(connection):
                with connection:
                    if not good:
                        time.sleep(0.05)  # the request arrives, and is never read
                        return
                    pending = b""
                    while data := connection.recv(65536):
                        pending += data
                        while b"\r\n\r\n" in pending:
                            pending = pending.split(b"\r\n\r\n", 1)[1]
                            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")

            while True:
                threading.Thread(target=serve, args=(listener.accept()[0],), daemon=True).start()
            """);
        dir.Write("pier.yaml", TestConfigs.FastApi("resets", port, workers: 3, health: null, run: "/usr/bin/python3 server.py", dir: dir.Path));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 3);

        using var client = Loopback.Client(port);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync($"/{i}");
            answers.Add(response.StatusCode);
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));
        Assert.DoesNotContain("answered 502", pier.Output);
    }

    [Fact]
    public async Task HungWorker_IsRestarted()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, workers: 2));
        await using var pier = PierProcess.Start(dir);
        var before = await pier.WaitForReadyAsync("web", 2);
        var victim = before.Services[0].Workers[0];

        Assert.True(Signals.Send(victim.Pid!.Value, Signals.SIGSTOP));
        var after = await pier.WaitForAsync(s =>
        {
            var w = s.Services[0].Workers[0];
            return w.State == "ready" && w.Pid != victim.Pid;
        }, TimeSpan.FromSeconds(40), "the hung worker to be replaced");

        Assert.Contains("health check failed 3 times", after.Services[0].Workers[0].LastExit);
        Assert.False(Signals.Send(victim.Pid!.Value, 0), "the hung process is gone");
    }

    [Fact]
    public async Task SigkillOfPier_LeavesNoWorker_AndANewPierStartsOnTheSamePort()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, workers: 2));
        List<int> pids;
        await using (var pier = PierProcess.Start(dir))
        {
            var status = await pier.WaitForReadyAsync("web", 2);
            pids = status.Services[0].Workers.Select(w => w.Pid!.Value).ToList();
            pier.Signal(Signals.SIGKILL);
            await pier.WaitForExitAsync(TimeSpan.FromSeconds(5));
            await Task.Delay(2000);
            foreach (var pid in pids)
                Assert.False(IsRunning(pid), $"worker {pid} still runs 2 s after Pier was killed");
        }

        await using var second = PierProcess.Start(dir);
        await second.WaitForReadyAsync("web", 2);
        using var client = Loopback.Client(port);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Sigterm_LetsARequestInFlightFinish_ThenExitsZero()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, workers: 1));
        await using var pier = PierProcess.Start(dir);
        var status = await pier.WaitForReadyAsync("web", 1);
        var worker = status.Services[0].Workers[0].Pid!.Value;

        using var client = Loopback.Client(port);
        var slow = client.GetAsync("/slow?ms=2000");
        await Task.Delay(500);
        pier.Signal(Signals.SIGTERM);

        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, await pier.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.False(IsRunning(worker));
    }

    [Fact]
    public async Task NoReadyWorker_Answers503WithRetryAfter_Quickly()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", $$"""
            name: never-ready
            services:
              web:
                run: sleep 30
                http: { health: /healthz }
            listen: { http: "127.0.0.1:{{port}}" }
            """);
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForAsync(s => s.Services[0].Workers[0].State == "starting", TimeSpan.FromSeconds(20), "a starting worker");

        using var client = Loopback.Client(port, TimeSpan.FromSeconds(2));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await client.GetAsync("/");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task ForwardedHeaders_AreSetForTheApp()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        dir.Write("pier.yaml", FastApiConfig(port, workers: 1));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 1);

        using var client = Loopback.Client(port);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.Host = "api.example.test";
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");
        using var response = await client.SendAsync(request);
        var headers = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("api.example.test", headers.GetProperty("x-forwarded-host").GetString());
        Assert.Equal("api.example.test", headers.GetProperty("host").GetString());
    }

    [Fact]
    public async Task AUrlService_IsForwardedTo_WithoutWorkers()
    {
        // The upstream is an app Pier does not run (another container in a compose front door).
        var upstreamPort = Loopback.FreePort();
        var info = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3",
            ["-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", upstreamPort.ToString(), "--no-access-log"])
        {
            WorkingDirectory = Examples.FastApi,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var upstream = System.Diagnostics.Process.Start(info)!;
        upstream.BeginOutputReadLine();
        upstream.BeginErrorReadLine();
        try
        {
            using var dir = new TestDirectory();
            var port = Loopback.FreePort();
            dir.Write("pier.yaml", $$"""
                name: front
                services:
                  api:
                    url: http://127.0.0.1:{{upstreamPort}}
                admin: { listen: "127.0.0.1:{{Loopback.FreePort()}}" }
                listen: { http: "127.0.0.1:{{port}}" }
                """);
            await using var pier = PierProcess.Start(dir);
            var status = await pier.WaitForAsync(s => s.Services.Count == 1, TimeSpan.FromSeconds(30), "the front door");

            Assert.Equal("upstream", status.Services[0].Kind);
            using var client = Loopback.Client(port);
            var answered = false;
            for (var i = 0; i < 50 && !answered; i++)
            {
                using var response = await client.GetAsync("/");
                answered = response.StatusCode == HttpStatusCode.OK
                    && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("pid").GetInt32() == upstream.Id;
                if (!answered)
                    await Task.Delay(200);
            }
            Assert.True(answered, "the upstream app answered through the front door");

            // The upstream goes away: a 502 at once, and the proxy log says where it went wrong.
            upstream.Kill();
            await upstream.WaitForExitAsync();
            using var gone = await client.GetAsync("/gone");
            Assert.Equal(HttpStatusCode.BadGateway, gone.StatusCode);
            Assert.Matches(@"proxy +\| GET 127\.0\.0\.1:\d+/gone answered 502 \(no other worker was ready\): api: ", await pier.WaitForLineAsync("/gone answered"));
        }
        finally
        {
            if (!upstream.HasExited)
                upstream.Kill();
            await upstream.WaitForExitAsync();
        }
    }

    private static async Task<HashSet<int>> DistinctPidsAsync(int port, int requests)
    {
        using var client = Loopback.Client(port);
        var pids = new HashSet<int>();
        for (var i = 0; i < requests; i++)
        {
            // A new connection each time, so balancing is seen per request, not per kept-alive connection.
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            pids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("pid").GetInt32());
        }
        return pids;
    }

    private static bool IsRunning(int pid) =>
        ProcessTable.TryRead(pid) is not null && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");
}
