using System.Text;
using Pier.Routing.FastLane;
using static Pier.Routing.FastLane.ResponseHead;

namespace Pier.Tests.Routing.FastLane;

public sealed class ResponseHeadTests
{
    private static Info Parse(string head, bool headRequest = false)
    {
        Assert.True(TryParse(Encoding.ASCII.GetBytes(head), headRequest, out var info), head);
        return info;
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", 200, "Length", 12, true)]
    [InlineData("HTTP/1.1 200 OK\r\ncontent-length: 12\r\ncontent-length: 12\r\n\r\n", 200, "Length", 12, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 200, "Chunked", 0, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 200, "Chunked", 0, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 200, "UntilClose", 0, false)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", 200, "UntilClose", 0, false)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", 204, "None", 0, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", 304, "None", 0, true)]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", 103, "None", 0, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, close\r\n\r\n", 200, "Length", 2, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", 200, "Length", 2, false)]
    [InlineData("HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n", 500, "Length", 0, true)]
    public void TheHead_SaysWhereTheBodyEnds_AndWhetherTheConnectionIsReusable(string head, int status, string framing, long length, bool reusable)
    {
        Assert.Equal(new Info(status, Enum.Parse<Framing>(framing), length, reusable), Parse(head));
    }

    [Fact]
    public void TheAnswerToAHead_HasNoBody()
    {
        Assert.Equal(Framing.None, Parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", headRequest: true).Framing);
    }

    [Theory]
    [InlineData("HTTP/2 200\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 abc OK\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n")]
    public void AnInvalidHead_IsRefused(string head)
    {
        Assert.False(TryParse(Encoding.ASCII.GetBytes(head), false, out _), head);
    }

    [Theory]
    [InlineData(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: uvicorn\r\n\r\n")]
    [InlineData(true, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: uvicorn\r\nConnection: close\r\n\r\n")]
    public void TheClientsHead_LacksTheWorkersHopByHopHeaders(bool close, string expected)
    {
        var head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nServer: uvicorn\r\n\r\n"u8;
        var output = new byte[1024];

        var length = Rewrite(head, close, [], output);

        Assert.Equal(expected, Encoding.ASCII.GetString(output, 0, length));
    }

    [Fact]
    public void PiersHsts_ReplacesTheWorkersOwn()
    {
        var head = "HTTP/1.1 200 OK\r\nstrict-transport-security: max-age=5\r\nContent-Length: 2\r\n\r\n"u8;
        var output = new byte[1024];

        var length = Rewrite(head, false, "Strict-Transport-Security: max-age=60\r\n"u8, output);

        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nStrict-Transport-Security: max-age=60\r\n\r\n", Encoding.ASCII.GetString(output, 0, length));
    }
}
