namespace Pier.Logs;

/// <summary>One ANSI colour per source, the same in `pier up` and `pier logs`, so web.2 looks alike in both.</summary>
internal static class SourceColour
{
    private static readonly string[] Palette = ["36", "33", "35", "32", "34", "96", "93", "95", "92", "94"];

    /// <summary>The SGR code: bold for Pier's own lines, otherwise a palette entry picked by the name.</summary>
    public static string For(string source)
    {
        if (source == "pier")
            return "1";
        // A stable hash: string.GetHashCode is randomised per process, and both programs must agree.
        var hash = 0u;
        foreach (var c in source)
            hash = hash * 31 + c;
        return Palette[hash % (uint)Palette.Length];
    }

    public static string Paint(string source, string text) => $"\u001b[{For(source)}m{text}\u001b[0m";
}
