using System.Text;
using Pier.Routing.FastLane;

namespace Pier.Tests.Routing.FastLane;

public sealed class ChunkedFramingTests
{
    private const string Body = "5\r\nhello\r\n7;name=value\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n";

    [Fact]
    public void ABodyInOnePiece_EndsAtItsLastChunkAndTrailers()
    {
        var framing = new ChunkedFraming();
        var bytes = Encoding.ASCII.GetBytes(Body + "HTTP/1.1 200 OK");

        Assert.Equal(Body.Length, framing.Advance(bytes));
        Assert.True(framing.Done);
    }

    [Fact]
    public void ABodyByteByByte_EndsAtTheSamePlace()
    {
        var framing = new ChunkedFraming();
        var bytes = Encoding.ASCII.GetBytes(Body);

        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.False(framing.Done, $"done before byte {i}");
            Assert.Equal(1, framing.Advance(bytes.AsSpan(i, 1)));
        }
        Assert.True(framing.Done);
    }

    [Fact]
    public void ABodyWithoutTrailers_EndsAfterTheEmptyLine()
    {
        var framing = new ChunkedFraming();

        Assert.Equal(11, framing.Advance("1\r\na\r\n0\r\n\r\n"u8));
        Assert.True(framing.Done);
    }

    [Theory]
    [InlineData("x\r\n")]
    [InlineData("\r\n")]
    [InlineData("5\r\nhelloX")]
    [InlineData("5\nhello\r\n")]
    [InlineData("1234567890123456\r\n")]
    [InlineData("0\r\nX-Trailer: a\nb\r\n\r\n")]
    public void AMalformedBody_IsAnError(string body)
    {
        var framing = new ChunkedFraming();

        Assert.Equal(-1, framing.Advance(Encoding.ASCII.GetBytes(body)));
    }
}
