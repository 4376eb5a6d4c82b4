using System.Net;
using System.Net.Sockets;
using System.Text;
using static Pier.Tests.EndToEnd.FastLaneRig;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// The fast lane (Pier's event loops on the plain-HTTP port, or on the HTTPS port terminating TLS
/// themselves) with a worker that answers in every shape HTTP/1.1 allows: chunked, large, until close,
/// 1xx first, with hop-by-hop headers; and what the fast lane hands to Kestrel (bodies, HTTP/1.0, HTTP/2,
/// hellos it leaves alone), over raw connections so that every byte is seen.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FastLaneTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnswersInEveryFraming_ArriveWhole_OnOneKeptAliveConnection(bool https)
    {
        await using var lane = await StartAsync(https);
        var pier = lane.Pier;
        using var connection = await lane.OpenAsync();

        await connection.SendAsync("GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
        var chunked = await connection.ReadAnswerAsync();
        await connection.SendAsync("GET /early-hints HTTP/1.1\r\nHost: a\r\n\r\n");
        var hints = await connection.ReadAnswerAsync();
        var final = await connection.ReadAnswerAsync();
        await connection.SendAsync("HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n");
        var head = await connection.ReadAnswerAsync(bodiless: true);
        await connection.SendAsync("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
        var big = await connection.ReadAnswerAsync();

        Assert.Contains("Transfer-Encoding: chunked", chunked.Head);
        Assert.Equal("5\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n", Encoding.ASCII.GetString(chunked.Body));
        Assert.StartsWith("HTTP/1.1 103 Early Hints", hints.Head);
        Assert.Equal("ok", Encoding.ASCII.GetString(final.Body));
        Assert.Contains("Content-Length: 100", head.Head);
        Assert.Equal(BigLength, big.Body.Length);
        Assert.True(big.Body.Select((b, i) => b == (byte)(i % 256)).All(same => same), "the large body arrived intact");
        Assert.DoesNotContain("answered", pier.Output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PipelinedRequests_AreAnsweredInOrder(bool https)
    {
        await using var lane = await StartAsync(https);
        using var connection = await lane.OpenAsync();

        await connection.SendAsync(string.Concat(Enumerable.Range(1, 5).Select(i => $"GET /echo?n={i} HTTP/1.1\r\nHost: a\r\n\r\n")));

        for (var i = 1; i <= 5; i++)
            Assert.StartsWith($"GET /echo?n={i} HTTP/1.1", Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ALargeAnswer_ToASlowReader_ArrivesIntact(bool https)
    {
        await using var lane = await StartAsync(https);
        using var connection = await lane.OpenAsync(receiveBuffer: 4096);

        await connection.SendAsync("GET /big HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        await Task.Delay(1000);  // the client's socket and Pier's are full: the worker must wait, not its bytes be lost
        var big = await connection.ReadAnswerAsync();
        var next = await connection.ReadAnswerAsync();

        Assert.Equal(BigLength, big.Body.Length);
        Assert.True(big.Body.Select((b, i) => b == (byte)(i % 256)).All(same => same), "the large body arrived intact");
        Assert.Equal("ok", Encoding.ASCII.GetString(next.Body));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheWorkersHopByHopHeaders_StayBehind_AndAnAnswerUntilClose_ClosesTheClient(bool https)
    {
        await using var lane = await StartAsync(https);

        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync("GET /worker-closes HTTP/1.1\r\nHost: a\r\n\r\n");
            var answer = await connection.ReadAnswerAsync();
            Assert.DoesNotContain("Keep-Alive", answer.Head);
            Assert.Equal("ok", Encoding.ASCII.GetString(answer.Body));
            // The worker closed its connection, not the client's: the client's stays.
            await connection.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal("ok", Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body));
        }
        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync("GET /until-close HTTP/1.1\r\nHost: a\r\n\r\n");
            var answer = await connection.ReadAnswerAsync(untilClose: true);
            Assert.Contains("Connection: close", answer.Head);
            Assert.Equal("all of it", Encoding.ASCII.GetString(answer.Body));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheWorkerSeesTheClientsRequest_WithoutHopByHopHeaders_AndWithForwardedHeaders(bool https)
    {
        await using var lane = await StartAsync(https);
        using var connection = await lane.OpenAsync();

        await connection.SendAsync("GET /echo HTTP/1.1\r\nHost: api.example.test\r\nConnection: keep-alive\r\nKeep-Alive: 300\r\nTE: trailers\r\n" +
            "X-Forwarded-For: 6.6.6.6\r\nX-Custom: kept\r\n\r\n");
        var answer = await connection.ReadAnswerAsync();
        var seen = Encoding.ASCII.GetString(answer.Body);

        Assert.Equal("GET /echo HTTP/1.1\r\nHost: api.example.test\r\nX-Custom: kept\r\nX-Forwarded-For: 127.0.0.1\r\n" +
            $"X-Forwarded-Proto: {(https ? "https" : "http")}\r\nX-Forwarded-Host: api.example.test\r\n\r\n", seen);
        Assert.Equal(https, answer.Head.Contains("\r\nStrict-Transport-Security: max-age=31536000\r\n"));
    }

    /// <summary>A body, or HTTP/1.0, goes to Kestrel and YARP through the tunnel; the client's address goes with it.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestsTheFastLaneLeavesToKestrel_AreServed_WithTheClientsAddress(bool https)
    {
        await using var lane = await StartAsync(https);

        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            var post = Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body);
            // The same connection, now Kestrel's, carries the next request too.
            await connection.SendAsync("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n");
            var get = Encoding.ASCII.GetString((await connection.ReadAnswerAsync()).Body);

            Assert.StartsWith("POST /echo HTTP/1.1", post);
            Assert.EndsWith("\r\n\r\nabc", post);
            Assert.Contains("X-Forwarded-For: 127.0.0.1", post);
            Assert.Contains($"X-Forwarded-Proto: {(https ? "https" : "http")}", post);
            Assert.StartsWith("GET /echo HTTP/1.1", get);
        }
        using (var connection = await lane.OpenAsync())
        {
            await connection.SendAsync("GET / HTTP/1.0\r\n\r\n");
            var answer = await connection.ReadAnswerAsync(untilClose: true);
            Assert.StartsWith("HTTP/1.1 200", answer.Head);
            Assert.Equal("ok", Encoding.ASCII.GetString(answer.Body));
        }
    }

    [Fact]
    public async Task AKeptAliveConnectionTheWorkerClosed_IsNotAFailure()
    {
        await using var lane = await StartAsync(environment: "env IDLE=0.3 ");
        var (pier, port) = (lane.Pier, lane.Port);
        using var client = Loopback.Client(port);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
            await Task.Delay(i % 2 == 0 ? 400 : 290);
        }

        Assert.DoesNotContain("answered", pier.Output);
    }

    /// <summary>
    /// uvicorn writes an answer's head and its body apart, and a worker killed between the two (bench/crash-under-load.sh
    /// caught it) must not cost the client the answer: a small one is passed on whole, so nothing has reached the
    /// client yet and the GET goes to the other worker. HTTP/1.0 is Kestrel's and YARP's, which keep the same rule.
    /// </summary>
    [Theory]
    [InlineData(false, "1.1")]
    [InlineData(true, "1.1")]
    [InlineData(false, "1.0")]
    public async Task AWorkerKilledBetweenItsHeadAndItsBody_CostsTheClientNothing(bool https, string version)
    {
        await using var lane = await StartAsync(https, workers: 2);
        using var connection = await lane.OpenAsync();

        await connection.SendAsync($"GET /dies-after-head HTTP/{version}\r\nHost: {Host}\r\n\r\n");
        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 200", answer.Head);
        // Nothing of the first attempt's head is left in the answer.
        Assert.Contains("X-Attempt: second\r\n", answer.Head);
        Assert.DoesNotContain("first", answer.Head);
        Assert.Single(answer.Head.Split("\r\n"), l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("ok", Encoding.ASCII.GetString(answer.Body));
        Assert.Contains("(exit code 137 (SIGKILL))", await lane.Pier.WaitForLineAsync(" exited "));
        Assert.DoesNotContain("answered", lane.Pier.Output);
    }

    /// <summary>
    /// The answer held back above says that the worker had the request: when its kept-alive connection then
    /// closes, the request is not sent again as if the worker had closed it idle (a POST must not run twice).
    /// </summary>
    [Fact]
    public async Task APostTheWorkerHalfAnswered_OnAKeptAliveConnection_IsNotSentAgain()
    {
        await using var lane = await StartAsync();
        using var connection = await lane.OpenAsync();
        await connection.SendAsync($"GET / HTTP/1.1\r\nHost: {Host}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", (await connection.ReadAnswerAsync()).Head);

        await connection.SendAsync($"POST /half-an-answer HTTP/1.1\r\nHost: {Host}\r\nContent-Length: 0\r\n\r\n");
        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 502", answer.Head);
        Assert.Equal(["POST"], File.ReadAllLines(Path.Combine(lane.Dir.Path, "half-an-answer")));
        Assert.Contains("answered 502 (it may not be retried): web.1: Request: the worker closed the connection before its answer was whole",
            await lane.Pier.WaitForLineAsync("/half-an-answer answered"));
    }

    /// <summary>
    /// Kestrel answers a tunnelled HTTP/1.0 request and closes its side; the client keeps its own open and
    /// reads nothing. Its sockets must not wake the loops in a spin (epoll reports hang-ups even for a
    /// socket that asks for no events).
    /// </summary>
}
