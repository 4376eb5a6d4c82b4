namespace Pier.Logs;

/// <summary>Which sources `pier logs` shows: all, one service (<c>web</c>: web.1, web.2, …) or one worker (<c>web.2</c>).</summary>
internal sealed record LogSelector(string? Name)
{
    public static readonly LogSelector All = new((string?)null);

    public bool Matches(string source)
    {
        if (Name is null || source == Name)
            return true;
        // web matches web.2 but not web.2 of a service called "web.2x" or a service "webhook".
        return source.Length > Name.Length + 1 && source.StartsWith(Name + ".", StringComparison.Ordinal)
            && source[(Name.Length + 1)..].All(char.IsAsciiDigit);
    }
}
