namespace Pier.Configuration;

/// <summary>
/// A config file that cannot be used. Carries every error found, so the user fixes them in one
/// round; callers print <see cref="Errors"/> and exit 2 rather than showing a stack trace.
/// </summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigError> Errors { get; }
}
