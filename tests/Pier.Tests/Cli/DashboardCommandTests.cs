using Pier.Cli;
using Pier.Configuration;

namespace Pier.Tests.Cli;

public sealed class DashboardCommandTests
{
    [Theory]
    [InlineData("127.0.0.1", 9180, "http://127.0.0.1:9180/#token=abc")]
    [InlineData("0.0.0.0", 9180, "http://127.0.0.1:9180/#token=abc")]
    [InlineData("::", 9181, "http://[::1]:9181/#token=abc")]
    [InlineData("10.1.2.3", 80, "http://10.1.2.3:80/#token=abc")]
    public void Url_ReachesTheAdminListener_WithTheTokenInTheFragment(string address, int port, string expected) =>
        Assert.Equal(expected, DashboardCommand.Url(new AdminConfig(address, port, true), "abc"));

    [Fact]
    public void Url_EscapesTheToken() =>
        Assert.Equal("http://127.0.0.1:9180/#token=a%2Bb%3D", DashboardCommand.Url(AdminConfig.Default, "a+b="));
}
