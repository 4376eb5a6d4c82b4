namespace Pier.Doctor;

/// <summary>One line of `pier doctor`: what was checked, the verdict, and how to fix it when it is not ok.</summary>
internal sealed record CheckResult(string Check, CheckStatus Status, string Message, string? Fix = null);
