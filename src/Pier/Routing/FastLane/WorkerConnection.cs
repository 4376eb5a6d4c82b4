using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// A keep-alive connection from a loop to one worker. It carries one request at a time and returns to
/// its loop's pool in between, still registered for reading: a pooled connection that turns readable
/// was closed by the worker (its keep-alive timeout, or its exit) and is dropped.
/// </summary>
internal sealed class WorkerConnection : ILoopHandler
{
    private const uint Reading = Native.EPOLLIN | Native.EPOLLRDHUP;

    private readonly EventLoop _loop;
    private readonly int _fd;
    private readonly byte[] _buffer = new byte[FrontDoorLimits.WorkerInputBytes];
    private Exchange? _exchange;
    private bool _connected, _watchingWrite, _paused, _headDone, _bodyDone, _reusable;
    private byte[]? _request;
    private int _requestSent, _requestLength, _offset, _length;
    private ResponseHead.Info _head;
    private ChunkedFraming _chunked;
    private long _remaining;

    private WorkerConnection(EventLoop loop, int fd, Destination destination, bool connected)
    {
        _loop = loop;
        _fd = fd;
        Destination = destination;
        _connected = connected;
    }

    public Destination Destination { get; }

    public bool Closed { get; private set; }

    /// <summary>True when this connection carried an earlier request: the worker may have closed it meanwhile.</summary>
    public bool Reused { get; private set; }

    /// <summary>True once bytes of the current request's answer have come, whether or not they were passed on.</summary>
    public bool Answered { get; private set; }

    /// <summary>True until connect(2) has finished.</summary>
    public bool Connecting => !_connected;

    /// <summary>How a failed connect(2) is told apart: only a refusal says that nothing listens.</summary>
    public static WorkerFailure ConnectFailure(int error) =>
        error is Native.ECONNREFUSED or Native.ENOENT ? WorkerFailure.Refused : WorkerFailure.Unreachable;

    /// <summary>Opens a connection; null with the errno when connect(2) fails at once.</summary>
    public static WorkerConnection? Connect(EventLoop loop, Destination destination, WorkerAddress address, out int error)
    {
        var fd = address.Connect(out var connected, out error);
        if (fd < 0)
            return null;
        var connection = new WorkerConnection(loop, fd, destination, connected);
        loop.Reactor.Register(fd, connection, connected ? Reading : Reading | Native.EPOLLOUT);
        return connection;
    }

    /// <summary>Sends the request of <paramref name="exchange"/>; the answer comes back through it.</summary>
    public void Start(Exchange exchange, byte[] request, int length)
    {
        _exchange = exchange;
        _request = request;
        _requestSent = 0;
        _requestLength = length;
        _offset = _length = 0;
        _headDone = _bodyDone = _paused = Answered = false;
        if (_connected)
            SendRequest();
    }

    public void OnEvents(int fd, uint events)
    {
        if (!_connected)
        {
            var error = Native.PendingError(_fd);
            if (error != 0)
            {
                Fail(ConnectFailure(error), error);
                return;
            }
            _connected = true;
            _watchingWrite = true;
            SendRequest();
            return;
        }
        if ((events & Native.EPOLLOUT) != 0)
            SendRequest();
        if (!Closed && !_paused && (events & (Reading | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
            Receive();
    }

    private void SendRequest()
    {
        if (_exchange is null || _requestSent == _requestLength)
        {
            WatchWrite(false);
            return;
        }
        var n = Native.Send(_fd, _request!, _requestSent, _requestLength - _requestSent);
        if (n < 0)
        {
            var error = Native.Errno;
            if (error == Native.EAGAIN)
                WatchWrite(true);
            else
                Fail(error == Native.ECONNRESET || error == Native.EPIPE ? WorkerFailure.Reset : WorkerFailure.Closed, error);
            return;
        }
        _requestSent += (int)n;
        if (_requestSent == _requestLength)
            _exchange.RequestWritten();
        WatchWrite(_requestSent < _requestLength);
    }

    private void WatchWrite(bool on)
    {
        if (on == _watchingWrite)
            return;
        _watchingWrite = on;
        _loop.Reactor.Watch(_fd, on ? Reading | Native.EPOLLOUT : Reading);
    }

    private void Receive()
    {
        if (_exchange is null)
        {
            Close();
            return;
        }
        var n = Native.Receive(_fd, _buffer, _length, FrontDoorLimits.WorkerInputBytes - _length);
        if (n > 0)
        {
            Answered = true;
            _length += (int)n;
            _exchange.Touch();
            Process();
            return;
        }
        var error = n == 0 ? 0 : Native.Errno;
        if (error == Native.EAGAIN)
            return;
        if (n == 0 && _headDone && _head.Framing == ResponseHead.Framing.UntilClose)
        {
            _bodyDone = true;
            _reusable = false;
            Complete();
            return;
        }
        Fail(error == Native.ECONNRESET ? WorkerFailure.Reset : WorkerFailure.Closed, error);
    }

    /// <summary>Hands what was received to the exchange, head first; stops while the client's socket is full.</summary>
    private void Process()
    {
        while (_exchange is not null && !_paused && !_bodyDone && _offset < _length)
        {
            var exchange = _exchange;
            var head = ReadOnlySpan<byte>.Empty;
            if (!_headDone)
            {
                var received = new ReadOnlySpan<byte>(_buffer, _offset, _length - _offset);
                var end = received.IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    Compact();
                    if (_length == FrontDoorLimits.WorkerInputBytes)
                        Fail(WorkerFailure.InvalidResponse, 0);
                    return;
                }
                head = received[..(end + 4)];
                if (!ResponseHead.TryParse(head, exchange.IsHeadRequest, out _head) || _head.Status == 101)
                {
                    Fail(WorkerFailure.InvalidResponse, 0);
                    return;
                }
                if (AwaitsBody(head.Length, received.Length))
                {
                    Compact();
                    return;
                }
                _offset += head.Length;
                if (_head.Status < 200)
                {
                    // 1xx (103 Early Hints): passed on; the final answer follows on the same connection.
                    if (!exchange.DeliverInterim(head))
                        Pause();
                    continue;
                }
                _headDone = true;
                _reusable = _head.Reusable;
                _remaining = _head.Length;
                _chunked = default;
            }
            var body = TakeBody();
            if (body < 0)
            {
                Fail(WorkerFailure.InvalidResponse, 0);
                return;
            }
            var start = _offset;
            _offset += body;
            if (_bodyDone && _offset < _length)
                _reusable = false;  // bytes after the answer: the connection is not to be trusted with another request
            var sent = head.IsEmpty ? exchange.DeliverBody(_buffer, start, body) : exchange.DeliverHead(head, _head, _buffer, start, body);
            if (!sent)
            {
                Pause();
                return;
            }
            if (_offset == _length)
                _offset = _length = 0;
        }
        if (_bodyDone && !_paused && _exchange is not null)
            Complete();
    }

    /// <summary>
    /// True when a final answer that fits in the buffer has not all arrived: it is passed on whole. uvicorn writes
    /// an answer's head and body apart, and a worker killed between the two would otherwise leave the client with a
    /// head and no body; held back, nothing has reached the client and the request can still go to another worker.
    /// </summary>
    private bool AwaitsBody(int headLength, int received) =>
        _head.Framing == ResponseHead.Framing.Length && received - headLength < _head.Length && headLength + _head.Length <= FrontDoorLimits.WorkerInputBytes;

    /// <summary>Moves the unread bytes to the start of the buffer, making room for the rest of a head or an answer.</summary>
    private void Compact()
    {
        if (_offset == 0)
            return;
        Buffer.BlockCopy(_buffer, _offset, _buffer, 0, _length - _offset);
        _length -= _offset;
        _offset = 0;
    }

    /// <summary>How many of the unread bytes belong to the body; -1 when the chunked framing is broken.</summary>
    private int TakeBody()
    {
        var available = _length - _offset;
        switch (_head.Framing)
        {
            case ResponseHead.Framing.None:
                _bodyDone = true;
                return 0;
            case ResponseHead.Framing.Length:
                var take = (int)Math.Min(_remaining, available);
                _remaining -= take;
                _bodyDone = _remaining == 0;
                return take;
            case ResponseHead.Framing.Chunked:
                var taken = _chunked.Advance(new ReadOnlySpan<byte>(_buffer, _offset, available));
                _bodyDone = _chunked.Done;
                return taken;
            default:
                return available;
        }
    }

    private void Pause()
    {
        _paused = true;
        _loop.Reactor.Suspend(_fd);
    }

    /// <summary>The client's socket took everything handed to it: go on.</summary>
    public void Resume()
    {
        if (!_paused || Closed)
            return;
        _paused = false;
        _loop.Reactor.Restore(_fd, _watchingWrite ? Reading | Native.EPOLLOUT : Reading);
        if (_offset == _length)
            _offset = _length = 0;
        Process();
    }

    private void Complete()
    {
        var exchange = _exchange!;
        _exchange = null;
        _request = null;
        Reused = true;
        if (_reusable && _offset == _length && _requestSent == _requestLength)
            _loop.ReturnIdle(this);
        else
            Close();
        exchange.WorkerFinished();
    }

    private void Fail(WorkerFailure failure, int error)
    {
        var exchange = _exchange;
        _exchange = null;
        Close();
        exchange?.WorkerFailed(this, failure, error);
    }

    public void Abort() => Fail(WorkerFailure.InvalidResponse, 0);

    /// <summary>connect(2) has not finished in time.</summary>
    public void TimedOut() => Fail(WorkerFailure.Unreachable, Native.ETIMEDOUT);

    /// <summary>The request is over without this connection's answer (the client left, or it timed out).</summary>
    public void Abandon()
    {
        _exchange = null;
        Close();
    }

    public void Close()
    {
        if (Closed)
            return;
        Closed = true;
        _loop.Reactor.Close(_fd);
    }
}
