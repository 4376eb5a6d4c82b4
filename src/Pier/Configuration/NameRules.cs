using System.Text.RegularExpressions;

namespace Pier.Configuration;

/// <summary>What counts as a valid name in pier.yaml and in env files.</summary>
internal static partial class NameRules
{
    public const int MaxNameLength = 40;

    /// <summary>
    /// Pier and service names end up in unit names, socket paths, DNS labels and Kubernetes
    /// objects, so they keep to the characters all of those accept.
    /// </summary>
    public const string NameExpected =
        "expected lowercase letters, digits and dashes, starting with a letter, at most 40 characters";

    public const string EnvNameExpected =
        "is not a valid variable name; use letters, digits and _, not starting with a digit";

    public static bool IsValidName(string name) => name.Length <= MaxNameLength && NamePattern().IsMatch(name);

    public static bool IsValidEnvName(string name) => EnvNamePattern().IsMatch(name);

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNamePattern();
}
