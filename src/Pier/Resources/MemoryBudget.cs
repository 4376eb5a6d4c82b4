using Pier.Configuration;
using Pier.Os;

namespace Pier.Resources;

/// <summary>
/// Keeps workers inside the server's RAM: a worker only starts when its expected size fits under
/// the budget (90% of RAM), counting what already runs. Four workers of a 1 GiB app need 4 GiB, and
/// a server past 100% swaps or kills.
/// </summary>
internal static class MemoryBudget
{
    public const double Fraction = 0.9;

    /// <summary>The expected size of one more worker: what its siblings measure now, else <c>memory.expect</c>; null when unknown.</summary>
    public static long? PerWorker(ServiceConfig service, IEnumerable<long> measured)
    {
        var sizes = measured.Where(m => m > 0).ToList();
        return sizes.Count > 0 ? (long)sizes.Average() : service.Memory?.Expect;
    }

    /// <summary>How many of <paramref name="wanted"/> more workers fit, and the sentence that explains a shortfall.</summary>
    public static (int Fit, string? Why) Check(int wanted, long? perWorker, MemoryInfo host)
    {
        if (wanted <= 0 || perWorker is not > 0 || host.TotalBytes == 0)
            return (Math.Max(0, wanted), null);
        var room = host.AvailableBytes - (long)(host.TotalBytes * (1 - Fraction));
        var fit = (int)Math.Clamp(room / perWorker.Value, 0, wanted);
        if (fit == wanted)
            return (fit, null);
        return (fit, $"{wanted} more worker(s) × {ByteSize.Format(perWorker.Value)} would need {ByteSize.Format(wanted * perWorker.Value)}; " +
            $"{ByteSize.Format(Math.Max(0, room))} available under the memory budget ({Fraction * 100:0}% of {ByteSize.Format(host.TotalBytes)}): starting {fit}");
    }
}
