using System.Runtime.InteropServices;
using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// A loop's share of the listening socket (nginx's ngx_event_accept): EPOLLEXCLUSIVE, so one loop wakes per
/// connection. It accepts what is waiting and deals each connection to the loop that holds the fewest:
/// whichever loop the kernel wakes, kept-alive connections end up shared evenly (left to the kernel, one
/// loop took all of wrk's 64), and short ones go where the work is done soonest (a loop busy with TLS
/// handshakes holds more connections half done).
/// </summary>
internal sealed unsafe class Acceptor(EventLoop loop, int listener) : ILoopHandler
{
    private const int PauseMilliseconds = 1000;
    private const uint Interest = Native.EPOLLIN | Native.EPOLLEXCLUSIVE;

    private long _pausedUntil;
    private bool _stopped;

    public void Start() => loop.Reactor.Register(listener, this, Interest);

    public void OnEvents(int fd, uint events)
    {
        var address = stackalloc byte[Native.AddressCapacity];
        for (var accepted = 0; accepted < 16 && !_stopped; accepted++)
        {
            var length = Native.AddressCapacity;
            var client = Native.accept4(listener, address, &length, Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC);
            if (client < 0)
            {
                var error = Native.Errno;
                if (error is not (Native.EAGAIN or Native.EINTR or Native.ECONNABORTED))
                {
                    // Out of descriptors (EMFILE, ENFILE) or memory: the listener stays readable, so waiting on it
                    // would spin. Accept again in a second, as nginx does.
                    loop.Context.LogFailure($"fast lane: cannot accept connections: {Marshal.GetPInvokeErrorMessage(error)}; trying again in 1 s");
                    loop.Reactor.Suspend(listener);
                    _pausedUntil = loop.Now + PauseMilliseconds;
                }
                return;
            }
            if (address[0] != Native.AF_UNIX)
                Native.SetOption(client, Native.IPPROTO_TCP, Native.TCP_NODELAY, 1);
            var from = ClientAddress.Parse(new ReadOnlySpan<byte>(address, length));
            loop.Context.LeastBusy(loop).Receive(client, from, loop);
        }
    }

    public void Abort()
    {
    }

    /// <summary>From the loop's timer walk: accepting again a second after a pause.</summary>
    public void ResumeWhenDue(long now)
    {
        if (_pausedUntil == 0 || now < _pausedUntil || _stopped)
            return;
        _pausedUntil = 0;
        loop.Reactor.Restore(listener, Interest);
    }

    /// <summary>The front door drains: this loop takes no more connections (the listener is closed by its owner).</summary>
    public void Stop()
    {
        if (_stopped)
            return;
        _stopped = true;
        loop.Reactor.Remove(listener);
    }
}
