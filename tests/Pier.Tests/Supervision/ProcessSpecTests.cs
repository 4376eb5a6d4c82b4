using Pier.Supervision;

namespace Pier.Tests.Supervision;

public sealed class ProcessSpecTests
{
    private static ProcessSpec Spec(string command) => new("web.1", command, "/tmp", new Dictionary<string, string>());

    [Theory]
    [InlineData("uvicorn main:app --port $PORT", "uvicorn main:app --port 8001")]
    [InlineData("app --port=${PORT}", "app --port=8001")]
    [InlineData("app --listen 127.0.0.1:$PORT", "app --listen 127.0.0.1:8001")]
    [InlineData("app $PORTS", "app $PORTS")]
    public void WithPort_ReplacesThePortVariable(string command, string expected)
    {
        var spec = Spec(command).WithPort(8001);

        Assert.Equal(expected, spec.Command);
        Assert.Equal("8001", spec.Environment["PORT"]);
    }

    [Theory]
    [InlineData("uvicorn main:app --uds $SOCKET", "uvicorn main:app --uds /run/pier/x/web/1.sock")]
    [InlineData("app --urls http://unix:${SOCKET}", "app --urls http://unix:/run/pier/x/web/1.sock")]
    [InlineData("app $SOCKETS", "app $SOCKETS")]
    public void WithSocket_ReplacesTheSocketVariable(string command, string expected)
    {
        var spec = Spec(command).WithSocket("/run/pier/x/web/1.sock");

        Assert.Equal(expected, spec.Command);
        Assert.Equal("/run/pier/x/web/1.sock", spec.Environment["SOCKET"]);
        Assert.False(spec.Environment.ContainsKey("PORT"));
    }

    [Theory]
    [InlineData("python3 -m uvicorn main:app", "exec python3 -m uvicorn main:app")]
    [InlineData("./migrate && ./serve", "./migrate && ./serve")]
    [InlineData("echo oops >&2; exit 7", "echo oops >&2; exit 7")]
    [InlineData("exec gunicorn app", "exec gunicorn app")]
    public void ShellLine_ExecsAPlainCommand_AndLeavesShellSyntaxAlone(string command, string expected) =>
        Assert.Equal(expected, Spec(command).ShellLine);
}
