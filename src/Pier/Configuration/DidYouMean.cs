namespace Pier.Configuration;

/// <summary>Suggests the valid name closest to a misspelt one (worker → workers).</summary>
internal static class DidYouMean
{
    /// <summary>The closest candidate, or null when none is close enough to be a likely typo.</summary>
    public static string? Suggest(string input, IEnumerable<string> candidates)
    {
        // Short names differ from each other by little, so allow less there to avoid silly hints.
        var allowed = input.Length <= 3 ? 1 : 2;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance <= allowed && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>
    /// Edit distance counting insertions, deletions, substitutions and swaps of neighbours
    /// (optimal string alignment), since swapped letters are the commonest typo.
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
