namespace Pier.Configuration;

/// <summary>A command run once, in order, before any worker starts (a migration, a build).</summary>
/// <param name="Number">1-based position in the before list; names the step in output (before.1).</param>
internal sealed record BeforeStep(int Number, string Run);
