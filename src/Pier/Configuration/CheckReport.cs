namespace Pier.Configuration;

/// <summary>What `pier check --json` answers: every problem with its position, or what the config holds.</summary>
internal sealed record CheckReport(bool Ok, string File, IReadOnlyList<ConfigError> Errors, int Services, int Workers, int BeforeSteps);
