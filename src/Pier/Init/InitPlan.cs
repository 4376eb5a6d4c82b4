namespace Pier.Init;

/// <summary>What `pier init` found in a directory, ready to be written as a pier.yaml.</summary>
/// <param name="Kind">What was recognised, for the file's first comment ("a FastAPI app in main.py").</param>
/// <param name="Notes">Comments written above the services: the choices made and what to check.</param>
internal sealed record InitPlan(string Kind, IReadOnlyList<PlannedService> Services, IReadOnlyList<string> Before, IReadOnlyList<string> Notes);

/// <summary>One service of an <see cref="InitPlan"/>.</summary>
/// <param name="Health">The health path when the app has one; null for none.</param>
internal sealed record PlannedService(string Name, string Run, bool Http, string? Health, int Workers);
