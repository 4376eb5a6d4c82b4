namespace Pier.Routing;

/// <summary>
/// Picks a destination as YARP's PowerOfTwoChoices policy does: two at random, the one with fewer
/// requests in flight wins. Cheap, and it steers around a slow worker without global state.
/// </summary>
internal static class PowerOfTwoChoices
{
    /// <summary>Null when no destination is available that has not already failed this request.</summary>
    public static Destination? Pick(Destination[] destinations, IReadOnlyCollection<Destination>? exclude, long nowTicks)
    {
        Span<int> candidates = destinations.Length <= 128 ? stackalloc int[destinations.Length] : new int[destinations.Length];
        var count = 0;
        for (var i = 0; i < destinations.Length; i++)
        {
            var destination = destinations[i];
            if (destination.IsAvailable(nowTicks) && (exclude is null || !exclude.Contains(destination)))
                candidates[count++] = i;
        }
        switch (count)
        {
            case 0:
                return null;
            case 1:
                return destinations[candidates[0]];
        }
        var first = Random.Shared.Next(count);
        var second = Random.Shared.Next(count - 1);
        if (second >= first)
            second++;
        var a = destinations[candidates[first]];
        var b = destinations[candidates[second]];
        return a.InFlight <= b.InFlight ? a : b;
    }
}
