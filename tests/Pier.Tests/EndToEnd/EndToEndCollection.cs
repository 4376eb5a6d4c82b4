namespace Pier.Tests.EndToEnd;

/// <summary>
/// End-to-end tests start real Pier and worker processes; on two cores they run one class at a
/// time so that timing-sensitive steps (health checks, drains) are not starved.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}
