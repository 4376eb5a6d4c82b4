using System.Runtime.InteropServices;
using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// A loop's epoll set (nginx's ngx_epoll_module): which handler owns each descriptor, waiting for events and
/// handing each to its handler. A descriptor's registration carries an id, so an event for a descriptor
/// closed and reused meanwhile is dropped.
/// </summary>
internal sealed unsafe class Reactor(Action<string> logFailure)
{
    private const int MaxEvents = 256;

    private readonly int _epoll = Check(Native.epoll_create1(Native.EFD_CLOEXEC), "epoll_create1");
    private ILoopHandler?[] _handlers = new ILoopHandler?[1024];
    private uint[] _ids = new uint[1024];
    private uint _nextId;

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> and hands what is ready to its handlers.</summary>
    public void WaitAndDispatch(int timeoutMilliseconds)
    {
        var events = stackalloc Native.EpollEvent[MaxEvents];
        var n = Native.epoll_wait(_epoll, events, MaxEvents, timeoutMilliseconds);
        if (n < 0 && Native.Errno != Native.EINTR)
        {
            logFailure($"fast lane: epoll_wait failed: {Marshal.GetPInvokeErrorMessage(Native.Errno)}");
            Thread.Sleep(10);
        }
        for (var i = 0; i < n; i++)
        {
            var fd = (int)(uint)events[i].Data;
            var id = (uint)(events[i].Data >> 32);
            if (fd < _handlers.Length && _ids[fd] == id && _handlers[fd] is { } handler)
                Dispatch(handler, fd, events[i].Events);
        }
    }

    public void Dispatch(ILoopHandler handler, int fd, uint events)
    {
        try
        {
            handler.OnEvents(fd, events);
        }
        catch (Exception e)
        {
            // A bug must cost one connection, not Pier and every worker it supervises.
            logFailure($"fast lane: internal error, connection closed: {e}");
            try
            {
                handler.Abort();
            }
            catch (Exception again)
            {
                logFailure($"fast lane: closing after the error failed too: {again.Message}");
            }
        }
    }

    public void Register(int fd, ILoopHandler handler, uint events)
    {
        if (fd >= _handlers.Length)
        {
            var size = _handlers.Length;
            while (size <= fd)
                size *= 2;
            Array.Resize(ref _handlers, size);
            Array.Resize(ref _ids, size);
        }
        _handlers[fd] = handler;
        _ids[fd] = ++_nextId;
        Control(Native.EPOLL_CTL_ADD, fd, events);
    }

    /// <summary>Hands a registered descriptor to another handler (a client connection becoming a tunnel).</summary>
    public void Reassign(int fd, ILoopHandler handler) => _handlers[fd] = handler;

    public void Watch(int fd, uint events) => Control(Native.EPOLL_CTL_MOD, fd, events);

    /// <summary>
    /// Takes a descriptor out of the epoll set while it must not be read (its reader waits for the other
    /// side): epoll reports a hang-up even for a descriptor that asks for no events, and would spin.
    /// </summary>
    public void Suspend(int fd) => Control(Native.EPOLL_CTL_DEL, fd, 0);

    /// <summary>Puts a suspended descriptor back, with the handler and id it had.</summary>
    public void Restore(int fd, uint events) => Control(Native.EPOLL_CTL_ADD, fd, events);

    /// <summary>Takes a descriptor out of the set and forgets its handler, without closing it (the listener is shared).</summary>
    public void Remove(int fd)
    {
        Native.epoll_ctl(_epoll, Native.EPOLL_CTL_DEL, fd, null);
        _handlers[fd] = null;
    }

    /// <summary>Closes a descriptor and forgets its handler; a late event for it is dropped by its id.</summary>
    public void Close(int fd)
    {
        if (fd < _handlers.Length)
        {
            _handlers[fd] = null;
            _ids[fd] = 0;
        }
        Native.close(fd);
    }

    /// <summary>Closes the epoll set itself, once the loop has ended.</summary>
    public void CloseSet() => Native.close(_epoll);

    private void Control(int op, int fd, uint events)
    {
        var e = new Native.EpollEvent { Events = events, Data = (uint)fd | ((ulong)_ids[fd] << 32) };
        Native.epoll_ctl(_epoll, op, fd, &e);
    }

    public static int Check(int result, string call) =>
        result >= 0 ? result : throw new IOException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
}
