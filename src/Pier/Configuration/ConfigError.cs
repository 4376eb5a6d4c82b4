namespace Pier.Configuration;

/// <summary>One problem in a config file, pointing at where it is and which field it concerns.</summary>
/// <param name="File">The file as the user named it (pier.yaml, or an env_file next to it).</param>
/// <param name="Line">1-based; 0 when the problem is the file as a whole (it is missing).</param>
/// <param name="Column">1-based; 0 when <paramref name="Line"/> is 0.</param>
/// <param name="Field">Dotted path such as services.web.workers; empty for file-level problems.</param>
internal sealed record ConfigError(string File, int Line, int Column, string Field, string Message)
{
    /// <summary>Formats like a compiler diagnostic so editors and terminals can jump to it.</summary>
    public override string ToString()
    {
        var position = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        return Field.Length > 0 ? $"{position}: {Field}: {Message}" : $"{position}: {Message}";
    }
}
