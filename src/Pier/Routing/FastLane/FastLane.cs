using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Pier.Configuration;
using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// Pier's plain-HTTP front door: one event loop per core on the public port, forwarding HTTP/1.1
/// requests without a body to workers over kept-alive connections, in nginx's shape (no thread pool,
/// no hop between threads; bench/proxy.sh measures it against nginx and HAProxy). What it does not take
/// (bodies, upgrades, HTTP/1.0 and 2, anything odd or hostile) it tunnels to Kestrel and YARP, which
/// keep the same rules (<see cref="RetryRule"/>, <see cref="FrontDoorLimits"/>).
/// </summary>
internal sealed class FastLane
{
    private const int Backlog = 512;  // Kestrel's

    private readonly EventLoop[] _loops;
    private readonly Thread[] _threads;
    private int _listener;

    private FastLane(int listener, EventLoop[] loops)
    {
        _listener = listener;
        _loops = loops;
        _threads = loops.Select((loop, i) => new Thread(loop.Run) { IsBackground = true, Name = $"pier-fast-lane-{i}" }).ToArray();
    }

    /// <summary>Binds the public port and starts the loops.</summary>
    /// <exception cref="IOException">The port cannot be bound (in use, or not an address of this machine).</exception>
    public static FastLane Start(ListenConfig listen, FastLaneContext context)
    {
        var listener = context.Tls is null ? Bind("http", listen.HttpAddress, listen.HttpPort) : Bind("https", listen.HttpsAddress, listen.HttpsPort!.Value);
        var loops = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new EventLoop(context)).ToArray();
        context.Deal(loops);
        foreach (var loop in loops)
            loop.Listen(listener);
        var lane = new FastLane(listener, loops);
        foreach (var thread in lane._threads)
            thread.Start();
        return lane;
    }

    private static unsafe int Bind(string scheme, string? host, int port)
    {
        var address = host is null ? IPAddress.IPv6Any : IPAddress.Parse(host);
        var fd = Native.StreamSocket(address.AddressFamily == AddressFamily.InterNetworkV6 ? Native.AF_INET6 : Native.AF_INET);
        if (fd < 0 && host is null)
        {
            address = IPAddress.Any;  // no IPv6 on this machine
            fd = Native.StreamSocket(Native.AF_INET);
        }
        if (fd < 0)
            throw new IOException($"Failed to create a socket for {scheme}://{host ?? "*"}:{port}: {Marshal.GetPInvokeErrorMessage(Native.Errno)}");
        Native.SetOption(fd, Native.SOL_SOCKET, Native.SO_REUSEADDR, 1);
        if (address.Equals(IPAddress.IPv6Any))
            Native.SetOption(fd, Native.IPPROTO_IPV6, Native.IPV6_V6ONLY, 0);
        var endPoint = new IPEndPoint(address, port);
        var sockaddr = endPoint.Serialize();
        int result;
        fixed (byte* bytes = sockaddr.Buffer.Span)
            result = Native.bind(fd, bytes, sockaddr.Size);
        if (result == 0)
            result = Native.listen(fd, Backlog);
        if (result < 0)
        {
            var error = Native.Errno;
            Native.close(fd);
            throw new IOException($"Failed to bind to address {scheme}://{endPoint}: " +
                (error == Native.EADDRINUSE ? "address already in use." : Marshal.GetPInvokeErrorMessage(error)));
        }
        return fd;
    }

    /// <summary>
    /// Stops accepting (the port is free once this has begun) and lets the requests in flight on the loops'
    /// own connections finish, up to <paramref name="timeout"/>. Tunnelled connections are Kestrel's to
    /// drain, which it does when it stops, after this.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        if (_listener < 0)
            return;
        await Task.WhenAll(_loops.Select(loop => OnLoop(loop, () =>
        {
            loop.Drain();
            return 0;
        })));
        Native.close(_listener);
        _listener = -1;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && (await Task.WhenAll(_loops.Select(loop => OnLoop(loop, () => loop.ClientCount)))).Sum() > 0)
            await Task.Delay(50);
    }

    /// <summary>Ends the loops: whatever they still hold is closed.</summary>
    public async Task StopAsync()
    {
        foreach (var loop in _loops)
            loop.Post(loop.Stop);
        await Task.Run(() =>
        {
            foreach (var thread in _threads)
                thread.Join();
        });
    }

    private static Task<T> OnLoop<T>(EventLoop loop, Func<T> query)
    {
        var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(() => answer.SetResult(query()));
        return answer.Task;
    }
}
