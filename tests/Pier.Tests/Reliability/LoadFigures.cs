using Pier.Tests.EndToEnd;

namespace Pier.Tests.Reliability;

/// <summary>What a load run measured, in one line for the test output and docs/reliability.md.</summary>
/// <param name="Slow">Requests that took a second or more.</param>
internal sealed record LoadFigures(long Requests, int Failed, TimeSpan P50, TimeSpan P99, TimeSpan Max, int Slow)
{
    public static LoadFigures Of(ClientLoop load)
    {
        var sorted = load.Latencies.Order().ToArray();
        TimeSpan At(double quantile) => sorted.Length == 0 ? TimeSpan.Zero : sorted[(int)Math.Min(sorted.Length - 1, quantile * sorted.Length)];
        return new LoadFigures(load.Sent, load.Failures.Count, At(0.50), At(0.99), sorted.Length == 0 ? TimeSpan.Zero : sorted[^1],
            sorted.Count(l => l >= TimeSpan.FromSeconds(1)));
    }

    public double ErrorRate => Requests == 0 ? 0 : (double)Failed / Requests;

    public override string ToString() =>
        $"{Requests} requests, {Failed} failed ({ErrorRate:P3}); latency p50 {P50.TotalMilliseconds:0.0} ms, " +
        $"p99 {P99.TotalMilliseconds:0.0} ms, max {Max.TotalMilliseconds:0} ms, {Slow} took 1 s or more";
}
