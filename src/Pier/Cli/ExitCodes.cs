namespace Pier.Cli;

/// <summary>The exit codes every command keeps to.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int UsageOrConfig = 2;
}
