using System.Globalization;

namespace Pier.Configuration;

/// <summary>
/// Sizes as written in pier.yaml: 512MiB, 1GiB, 100KiB (powers of 1024), 512MB, 1GB (powers of
/// 1000) or a bare number of bytes. Units are case-insensitive.
/// </summary>
internal static class ByteSize
{
    public const string Expected = "expected a size like 512MiB or 1GiB";

    private static readonly (string Suffix, long Factor)[] Units =
    [
        // Longest suffixes first so "MiB" is not read as "B".
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("B", 1),
    ];

    public static long Parse(string text) =>
        TryParse(text, out var bytes) ? bytes : throw new FormatException($"'{text}': {Expected}");

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        long factor = 1;
        foreach (var (suffix, unitFactor) in Units)
        {
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                s = s[..^suffix.Length].TrimEnd();
                factor = unitFactor;
                break;
            }
        }

        // Digits with an optional fraction (1.5GiB); no sign, exponent or thousands separators.
        if (s.Length == 0 || !s.All(c => char.IsAsciiDigit(c) || c == '.') || s.Count(c => c == '.') > 1
            || s[0] == '.' || s[^1] == '.')
        {
            return false;
        }

        if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        try
        {
            bytes = (long)decimal.Round(number * factor);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>A size for people: 612 MiB, 1.5 GiB.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0} KiB",
        _ => $"{bytes} B",
    };
}
