using System.Text;
using Pier.Routing.FastLane;

namespace Pier.Tests.Routing.FastLane;

public sealed class RequestHeadTests
{
    private static readonly byte[] Client = "10.1.2.3"u8.ToArray();

    private static (int Length, string Written, RequestHead.Info Info) Rewrite(string head, bool https = false)
    {
        var output = new byte[9 * 1024];
        var length = RequestHead.Rewrite(Encoding.Latin1.GetBytes(head), Client, https, output, out var info);
        return (length, length < 0 ? "" : Encoding.ASCII.GetString(output, 0, length), info);
    }

    [Fact]
    public void AGet_KeepsItsLineAndHeaders_DropsHopByHop_AndSetsForwardedHeaders()
    {
        var (length, written, info) = Rewrite("GET /items?id=3 HTTP/1.1\r\nHost: api.example.test:8080\r\nAccept: */*\r\nConnection: keep-alive\r\n" +
            "Keep-Alive: 300\r\nTE: trailers\r\nX-Forwarded-For: 6.6.6.6\r\nx-forwarded-host: evil\r\n\r\n");

        Assert.True(length > 0);
        Assert.Equal("GET /items?id=3 HTTP/1.1\r\nHost: api.example.test:8080\r\nAccept: */*\r\n" +
            "X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: api.example.test:8080\r\n\r\n", written);
        Assert.Equal("api.example.test:8080", written[info.Host]);
        Assert.Equal("/items", written[info.Path]);
        Assert.Equal("GET", written[info.Method]);
        Assert.True(info.Idempotent);
        Assert.False(info.Close);
        Assert.False(info.IsHead);
    }

    [Theory]
    [InlineData("HEAD", true, true)]
    [InlineData("DELETE", true, false)]
    [InlineData("POST", false, false)]
    [InlineData("PATCH", false, false)]
    public void TheMethod_SaysWhetherARetryIsSafe(string method, bool idempotent, bool isHead)
    {
        var (length, _, info) = Rewrite($"{method} / HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.True(length > 0);
        Assert.Equal((idempotent, isHead), (info.Idempotent, info.IsHead));
    }

    [Fact]
    public void ConnectionClose_IsNoted_AndNotForwarded()
    {
        var (length, written, info) = Rewrite("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        Assert.True(length > 0);
        Assert.True(info.Close);
        Assert.DoesNotContain("Connection", written);
    }

    [Fact]
    public void AnEmptyContentLength_IsABodilessRequest()
    {
        var (length, written, _) = Rewrite("POST /ping HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");

        Assert.True(length > 0);
        Assert.Contains("Content-Length: 0\r\n", written);
    }

    /// <summary>Each of these goes to Kestrel: it refuses the hostile ones and serves the rest (bodies, upgrades, 1.0).</summary>
    [Theory]
    [InlineData("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("a body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n")]
    [InlineData("duplicate Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("a chunked body", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n")]
    [InlineData("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n")]
    [InlineData("bare LF in a header", "GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n")]
    [InlineData("bare LF after the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n")]
    [InlineData("a control byte in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0001b\r\n\r\n")]
    [InlineData("a byte over 0x7E in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\u00e9\r\n\r\n")]
    [InlineData("no Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")]
    [InlineData("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")]
    [InlineData("a Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n")]
    [InlineData("a Host whose port is not a number", "GET / HTTP/1.1\r\nHost: app.example.com:evil\r\n\r\n")]
    [InlineData("a Host with two ports", "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n")]
    [InlineData("an IPv6 Host left open", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n")]
    [InlineData("an empty port", "GET / HTTP/1.1\r\nHost: a:\r\n\r\n")]
    [InlineData("CONNECT", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\n\r\n")]
    [InlineData("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\n")]
    [InlineData("absolute-form target", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("a space in the target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("an upgrade", "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("Expect", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n")]
    [InlineData("a header named in Connection", "GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Secret\r\nX-Secret: 1\r\n\r\n")]
    [InlineData("a method that is not a token", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n")]
    public void AnUnusualRequest_IsNotTaken(string name, string head)
    {
        Assert.True(Rewrite(head).Length < 0, name);
    }

    [Theory]
    [InlineData("api.example.test")]
    [InlineData("api.example.test:8080")]
    [InlineData("127.0.0.1:80")]
    [InlineData("[::1]:8080")]
    [InlineData("[2001:db8::7]")]
    [InlineData("under_score.local")]
    public void APlainHost_IsTaken(string host)
    {
        Assert.True(Rewrite($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").Length > 0, host);
    }

    [Fact]
    public void ARequestLineOfKestrelsLimit_IsTaken_AndOneByteMore_IsNot()
    {
        // Kestrel's 8 KiB include the CRLF.
        var target = "/" + new string('a', 8192 - "GET  HTTP/1.1\r\n".Length - 1);

        Assert.True(Rewrite($"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n").Length > 0);
        Assert.True(Rewrite($"GET {target}a HTTP/1.1\r\nHost: a\r\n\r\n").Length < 0);
    }

    [Fact]
    public void MoreThanAHundredHeaders_AreKestrelsToJudge()
    {
        var head = "GET / HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"X-{i}: {i}\r\n")) + "\r\n";

        Assert.True(Rewrite(head).Length < 0);
    }

    [Fact]
    public void AHeadTooLargeForTheOutput_IsNotTaken()
    {
        var head = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + new string('a', 9 * 1024) + "\r\n\r\n";

        Assert.True(Rewrite(head).Length < 0);
    }

    [Fact]
    public void OverHttps_XForwardedProtoSaysSo()
    {
        var (length, written, _) = Rewrite("GET / HTTP/1.1\r\nHost: a\r\n\r\n", https: true);

        Assert.True(length > 0);
        Assert.Contains("\r\nX-Forwarded-Proto: https\r\n", written);
    }
}
