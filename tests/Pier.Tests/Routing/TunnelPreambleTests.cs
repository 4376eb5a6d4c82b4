using System.Net;
using Pier.Routing;

namespace Pier.Tests.Routing;

public sealed class TunnelPreambleTests
{
    [Theory]
    [InlineData("127.0.0.1", 50412)]
    [InlineData("2001:db8::7", 443)]
    public void TheClientsAddress_GoesThroughThePreamble(string address, int port)
    {
        var line = TunnelPreamble.Format(IPAddress.Parse(address), port);

        Assert.EndsWith("\r\n", line);
        Assert.Equal(new TunnelPreamble.Client(new IPEndPoint(IPAddress.Parse(address), port), false, null), TunnelPreamble.Parse(line.TrimEnd('\n')));
    }

    [Theory]
    [InlineData("h2")]
    [InlineData("http/1.1")]
    [InlineData(null)]
    public void HttpsAndTheProtocolChosen_GoThroughThePreamble(string? protocol)
    {
        var line = TunnelPreamble.Format(IPAddress.Loopback, 443, https: true, protocol);

        Assert.Equal(new TunnelPreamble.Client(new IPEndPoint(IPAddress.Loopback, 443), true, protocol), TunnelPreamble.Parse(line.TrimEnd('\n')));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r")]
    [InlineData("PIER-CLIENT 127.0.0.1\r")]
    [InlineData("PIER-CLIENT nonsense 80\r")]
    [InlineData("PIER-CLIENT 127.0.0.1 70000\r")]
    [InlineData("PIER-CLIENT 127.0.0.1 80 http h2\r")]
    [InlineData("PIER-CLIENT 127.0.0.1 80 https h2 more\r")]
    public void AnythingElse_IsNoPreamble(string line)
    {
        Assert.Null(TunnelPreamble.Parse(line));
    }
}
