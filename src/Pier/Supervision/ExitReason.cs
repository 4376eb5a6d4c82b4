using Pier.Os;

namespace Pier.Supervision;

/// <summary>Why a worker process ended, in words an operator reads in `pier status`.</summary>
internal sealed record ExitReason(int ExitCode, bool RequestedByPier, string? Cause, IReadOnlyList<string> LastStderr)
{
    /// <summary>
    /// .NET reports a death by signal N as exit code 128+N (as shells do), so codes above 128
    /// are shown with the signal they most likely stand for.
    /// </summary>
    public string Describe()
    {
        var code = ExitCode > 128 && ExitCode < 160
            ? $"exit code {ExitCode} ({Signals.Name(ExitCode - 128)})"
            : $"exit code {ExitCode}";
        return Cause is null ? code : $"{Cause}; {code}";
    }

    public override string ToString() => Describe();
}
