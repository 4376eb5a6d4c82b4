namespace Pier.Configuration;

/// <summary>
/// Durations as written in pier.yaml: 500ms, 30s, 1m, 1h, 1d and compounds such as 1m30s.
/// A unit is required, because a bare 10 could mean seconds or milliseconds.
/// </summary>
internal static class Duration
{
    public const string Expected = "expected a duration like 500ms, 30s or 1m";

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}': {Expected}");

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        long totalMilliseconds = 0;
        var i = 0;
        try
        {
            while (i < s.Length)
            {
                var numberStart = i;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    i++;
                }

                if (i == numberStart)
                {
                    return false;
                }

                var number = long.Parse(s.AsSpan(numberStart, i - numberStart));
                var unitStart = i;
                while (i < s.Length && char.IsAsciiLetterLower(s[i]))
                {
                    i++;
                }

                long? unit = s[unitStart..i] switch
                {
                    "ms" => 1,
                    "s" => 1000,
                    "m" => 60_000,
                    "h" => 3_600_000,
                    "d" => 86_400_000,
                    _ => null,
                };
                if (unit is null)
                {
                    return false;
                }

                totalMilliseconds = checked(totalMilliseconds + checked(number * unit.Value));
            }

            value = TimeSpan.FromMilliseconds(totalMilliseconds);
            return true;
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
