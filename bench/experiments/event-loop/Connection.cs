namespace EventLoopProxy;

/// <summary>A socket owned by one loop. The id tells a closed connection's late event from one for
/// a new connection that got the same descriptor in the same batch.</summary>
abstract class Connection(Loop loop, int fd)
{
    public readonly Loop Loop = loop;
    public readonly int Fd = fd;
    public readonly uint Id = loop.NextId();
    public bool Closed { get; private set; }

    public abstract void OnEvents(uint events);

    public void Close()
    {
        if (Closed) return;
        Closed = true;
        Loop.Forget(this);
        Libc.close(Fd);
        OnClosed();
    }

    protected virtual void OnClosed() { }
}
