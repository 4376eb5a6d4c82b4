using Pier.Supervision;

namespace Pier.Tests.Supervision;

public sealed class ExitReasonTests
{
    [Theory]
    [InlineData(3, null, "exit code 3")]
    [InlineData(137, null, "exit code 137 (SIGKILL)")]
    [InlineData(143, "stopped by Pier", "stopped by Pier; exit code 143 (SIGTERM)")]
    public void Describe_NamesTheCodeAndTheSignal(int code, string? cause, string expected) =>
        Assert.Equal(expected, new ExitReason(code, cause is not null, cause, []).Describe());
}
