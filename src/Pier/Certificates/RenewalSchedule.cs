using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Pier.Certificates;

/// <summary>
/// When to renew: inside the CA's ARI window when it gives one, otherwise when a third of the
/// lifetime is left. Jitter spreads many servers' renewals; it is derived from the serial number
/// so that the same certificate always gets the same time, however often the loop asks.
/// </summary>
internal static class RenewalSchedule
{
    private static readonly TimeSpan MaxJitter = TimeSpan.FromDays(1);

    public static DateTimeOffset Next(DateTimeOffset notBefore, DateTimeOffset notAfter, string serial, RenewalWindow? window)
    {
        var jitter = Jitter(serial);
        if (window is not null)
            return window.Start + (window.End - window.Start) * jitter;
        var lifetime = notAfter - notBefore;
        var spread = TimeSpan.FromTicks(Math.Min(lifetime.Ticks / 30, MaxJitter.Ticks));
        return notAfter - lifetime / 3 - spread * jitter;
    }

    /// <summary>A fraction in [0, 1) that depends only on the serial number.</summary>
    public static double Jitter(string serial) =>
        BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(Encoding.ASCII.GetBytes(serial))) / (uint.MaxValue + 1.0);
}
