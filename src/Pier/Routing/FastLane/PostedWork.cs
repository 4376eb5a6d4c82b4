using System.Collections.Concurrent;
using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// Work other threads hand to a loop (nginx's ngx_event_posted, with an eventfd to wake the loop): the one
/// way into a loop from outside it. Runs on the loop's thread when the eventfd is readable.
/// </summary>
internal sealed unsafe class PostedWork : ILoopHandler
{
    private readonly int _wakeup = Reactor.Check(Native.eventfd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC), "eventfd");
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Lock _lock = new();
    private readonly Action<string> _logFailure;
    private bool _closed;

    public PostedWork(Reactor reactor, Action<string> logFailure)
    {
        _logFailure = logFailure;
        reactor.Register(_wakeup, this, Native.EPOLLIN);
    }

    /// <summary>Runs <paramref name="action"/> on the loop's thread.</summary>
    public void Post(Action action)
    {
        lock (_lock)
        {
            if (_closed)
                return;  // the loop has ended: nothing is left for the action to act on
            _posted.Enqueue(action);
            ulong one = 1;
            Native.write(_wakeup, (byte*)&one, sizeof(ulong));
        }
    }

    public void OnEvents(int fd, uint events)
    {
        ulong count;
        Native.read(_wakeup, (byte*)&count, sizeof(ulong));
        while (_posted.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                _logFailure($"fast lane: internal error: {e}");
            }
        }
    }

    public void Abort()
    {
    }

    /// <summary>The loop has ended: later posts are dropped.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Native.close(_wakeup);
        }
    }
}
