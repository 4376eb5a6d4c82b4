namespace Pier.Export;

/// <summary>How a unit is written, beyond what the config says.</summary>
/// <param name="PierCommand">The absolute executable (and, under <c>dotnet</c>, the assembly) that runs Pier.</param>
/// <param name="RunAs">The <c>User=</c> of a system unit; ignored for a user unit, which runs as its owner.</param>
/// <param name="UserUnit">A unit for the user's own manager (<c>systemctl --user</c>) rather than the system's.</param>
internal sealed record SystemdUnitOptions(IReadOnlyList<string> PierCommand, string RunAs, bool UserUnit);
