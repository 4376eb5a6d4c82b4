namespace Pier.Configuration;

/// <summary>How the before steps run: each within <see cref="Timeout"/>, all under one lock.</summary>
/// <param name="Lock">A file path (one server), or a postgres:// URL whose advisory lock several servers share.</param>
internal sealed record BeforePolicy(TimeSpan Timeout, string Lock)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public bool LockIsPostgres => Lock.StartsWith("postgres://", StringComparison.Ordinal) || Lock.StartsWith("postgresql://", StringComparison.Ordinal);
}
