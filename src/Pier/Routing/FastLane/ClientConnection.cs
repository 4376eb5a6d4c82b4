using Pier.Os;

namespace Pier.Routing.FastLane;

/// <summary>
/// A client's connection in a loop: reads request heads, runs one <see cref="Exchange"/> at a time (pipelined
/// requests wait in the buffer), writes answers back through its <see cref="OutputQueue"/>, and on the HTTPS
/// port first makes the <see cref="TlsHandshake"/>. A request the fast lane does not take turns the connection
/// into a <see cref="KestrelTunnel"/>. Timeouts are Kestrel's: 10 s for a head once begun and for a handshake, 130 s of keep-alive.
/// </summary>
internal sealed class ClientConnection : ILoopHandler
{
    private static readonly long HeadTimeoutMilliseconds = (long)FrontDoorLimits.RequestHeadersTimeout.TotalMilliseconds;
    private static readonly long KeepAliveMilliseconds = (long)FrontDoorLimits.KeepAliveTimeout.TotalMilliseconds;
    private const uint Reading = Native.EPOLLIN | Native.EPOLLRDHUP;

    private enum State { Handshaking, Reading, Exchanging, Closed, Tunneled }

    private readonly EventLoop _loop;
    private readonly int _fd;
    private readonly SocketStream _stream;
    private readonly ClientAddress _address;
    private readonly Exchange _exchange;
    private byte[]? _input, _request, _out;
    private int _start, _end;
    private State _state;
    private long _idleSince, _headSince, _lastWrite;
    private bool _dispatching, _readPaused, _closeAfter;
    private uint _interest = Reading;
    private OutputQueue _output;

    public ClientConnection(EventLoop loop, int fd, ClientAddress address)
    {
        _loop = loop;
        _fd = fd;
        _stream = new SocketStream(fd);
        _address = address;
        _exchange = new Exchange(this, loop);
        _idleSince = loop.Now;
        _input = loop.Inputs.Take();
        _state = loop.Context.Tls is null ? State.Reading : State.Handshaking;
    }

    public void OnEvents(int fd, uint events)
    {
        if ((events & (Native.EPOLLHUP | Native.EPOLLERR)) != 0)
        {
            // Reset, or closed both ways: nothing more can be read or written.
            Close();
            return;
        }
        if (_state == State.Handshaking)
        {
            Handshake();
            return;
        }
        if ((events & Native.EPOLLOUT) != 0 && !_output.IsEmpty)
            Flush();
        if (_state is State.Reading or State.Exchanging && !_readPaused && ((events & Reading) != 0 || _stream.ReadWantsWrite))
            Read();
    }

    /// <summary>The TLS handshake, a step each wake-up; the connection reads requests once it is made.</summary>
    private void Handshake()
    {
        switch (TlsHandshake.Advance(_stream, _fd, _loop.Context.Tls!, _loop.Scratch, out var interest))
        {
            case TlsHandshake.Step.Wait:
                SetInterest(interest == 0 ? _interest : interest);
                return;
            case TlsHandshake.Step.Kestrel:
                Tunnel(_loop.Context.KestrelTls!, TunnelPreamble.Format(_address.Address, _address.Port), ReadOnlySpan<byte>.Empty);
                return;
            case TlsHandshake.Step.Failed:
                Close();
                return;
        }
        _state = State.Reading;
        _idleSince = _loop.Now;
        SetInterest(Reading);
        if (_stream.Protocol == "h2")
        {
            ToKestrel();  // HTTP/2 is Kestrel's: it gets the decrypted stream
            return;
        }
        Read();  // the first request may have come with the handshake's last flight
        if (_loop.Draining)
            CloseIfIdle();
    }

    private void SetInterest(uint interest)
    {
        if (interest == _interest)
            return;
        _interest = interest;
        _loop.Reactor.Watch(_fd, interest);
    }

    private void Read()
    {
        if (_end == FrontDoorLimits.ClientInputBytes && _start > 0 && _state == State.Reading)
            Compact();
        if (_end == FrontDoorLimits.ClientInputBytes)
        {
            // Pipelined requests fill the buffer while one is answered: wait for it.
            _readPaused = true;
            UpdateInterest();
            return;
        }
        var n = _stream.Receive(_input!, _end, FrontDoorLimits.ClientInputBytes - _end);
        if (n > 0)
        {
            if (_start == _end)
                _headSince = _loop.Now;
            _end += (int)n;
            if (_stream.HasPending)
                _loop.Again(this);
            if (_state == State.Reading)
                Dispatch();
            return;
        }
        if (n == SocketStream.WouldBlock)
        {
            if (_stream.ReadWantsWrite)
                UpdateInterest();
            return;
        }
        Close();
    }

    private void Compact()
    {
        Buffer.BlockCopy(_input!, _start, _input!, 0, _end - _start);
        _end -= _start;
        _start = 0;
    }

    /// <summary>Starts an exchange for each complete head, as long as none is running.</summary>
    private void Dispatch()
    {
        _dispatching = true;
        try
        {
            // An answer still being written comes first: Flush goes on from here once it is out.
            while (_state == State.Reading && _output.IsEmpty)
            {
                if (_start == _end)
                {
                    _start = _end = 0;
                    _idleSince = _loop.Now;
                    if (_loop.Draining)
                        Close();
                    return;
                }
                var buffered = new ReadOnlySpan<byte>(_input, _start, _end - _start);
                var end = buffered.IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    if (_end == FrontDoorLimits.ClientInputBytes)
                    {
                        if (_start == 0)
                            ToKestrel();  // a head this large is Kestrel's to refuse (431) or take
                        else
                            Compact();
                    }
                    return;
                }
                _request ??= _loop.Requests.Take();
                var length = RequestHead.Rewrite(buffered[..(end + 4)], _address.Forwarded, _stream.IsTls, _request, out var info);
                var route = length < 0 ? null : RouteCache.Match(_loop.Context.Table, _request.AsSpan(info.Host));
                if (route is null || !_loop.Routes.CanForward(route))
                {
                    ToKestrel();
                    return;
                }
                _start += end + 4;
                _state = State.Exchanging;
                _closeAfter = info.Close;
                _exchange.Start(route, _request, length, info);
            }
        }
        finally
        {
            _dispatching = false;
        }
    }

    /// <summary>The exchange's answer is complete (or given up); the next request may start.</summary>
    public void ExchangeDone(bool close, bool abort)
    {
        if (_state != State.Exchanging)
            return;
        _state = State.Reading;
        if (abort)
        {
            Close();
            return;
        }
        _closeAfter = close;
        if (!_output.IsEmpty)
            return;  // Flush finishes the answer, then goes on
        AfterAnswer();
    }

    private void AfterAnswer()
    {
        if (_closeAfter || _loop.Draining)
        {
            Close();
            return;
        }
        if (_out is not null)
            _loop.Answers.Give(_out);  // the answer is out: its buffer waits on the shelf for the next one
        _out = null;
        if (_start < _end)
            _headSince = _loop.Now;  // a pipelined head: its 10 s start now
        if (_readPaused)
        {
            _readPaused = false;
            UpdateInterest();
            if (_stream.HasPending)
                _loop.Again(this);
        }
        if (!_dispatching)
            Dispatch();
    }

    /// <summary>The Strict-Transport-Security line the answers Pier makes itself get: over HTTPS only.</summary>
    public string Hsts => _stream.IsTls ? _loop.Context.Tls!.HstsHeader : "";

    /// <summary>Writes a worker's response head (rewritten) and the start of its body.</summary>
    public bool SendHead(ReadOnlySpan<byte> head, bool close, byte[] body, int offset, int count)
    {
        var output = _out ??= _loop.Answers.Take();
        var length = ResponseHead.Rewrite(head, close, _stream.IsTls ? _loop.Context.Tls!.HstsBytes : [], output);
        if (length < 0)
        {
            Close();  // cannot happen: the buffer holds any head a worker connection can read, and 19 bytes more
            return true;
        }
        if (count <= output.Length - length)
        {
            Buffer.BlockCopy(body, offset, output, length, count);
            return Send(output, 0, length + count, null, 0, 0);
        }
        return Send(output, 0, length, body, offset, count);
    }

    public bool SendBytes(ReadOnlySpan<byte> bytes)
    {
        var output = _out ??= _loop.Answers.Take();
        if (!_output.IsEmpty || bytes.Length > output.Length)
            return Send(bytes.ToArray(), 0, bytes.Length, null, 0, 0);
        bytes.CopyTo(output);
        return Send(output, 0, bytes.Length, null, 0, 0);
    }

    public bool SendBody(byte[] body, int offset, int count) => count == 0 || Send(body, offset, count, null, 0, 0);

    private bool Send(byte[] first, int firstOffset, int firstCount, byte[]? second, int secondOffset, int secondCount)
    {
        if (_state is State.Closed)
            return true;
        if (!_output.IsEmpty)
        {
            // Only an answer given up on (a 504 after an interim 1xx the client has not taken) comes here: nothing can
            // follow bytes not yet written, and OpenSSL must get the same bytes again first.
            Close();
            return true;
        }
        var progressed = false;
        var result = _output.Write(_stream, first, firstOffset, firstCount, second, secondOffset, secondCount, ref progressed);
        if (progressed)
            _lastWrite = _loop.Now;
        if (result == OutputQueue.Result.Broken)
            Close();
        if (result != OutputQueue.Result.Held)
            return true;
        UpdateInterest();
        return false;
    }

    private void Flush()
    {
        var progressed = false;
        var result = _output.Flush(_stream, ref progressed);
        if (progressed)
            _lastWrite = _loop.Now;
        if (result == OutputQueue.Result.Broken)
            Close();
        if (result != OutputQueue.Result.Written)
            return;
        UpdateInterest();
        if (_state == State.Exchanging)
            _exchange.ClientDrained();
        else if (_state == State.Reading)
            AfterAnswer();
    }

    private void UpdateInterest()
    {
        if (_state is State.Closed or State.Tunneled or State.Handshaking)
            return;
        SetInterest((_readPaused ? 0 : Reading) | (!_output.IsEmpty || _stream.ReadWantsWrite ? Native.EPOLLOUT : 0));
    }

    /// <summary>Hands the connection, with what it has buffered, to Kestrel through a tunnel.</summary>
    private void ToKestrel() =>
        Tunnel(_loop.Context.Kestrel, TunnelPreamble.Format(_address.Address, _address.Port, _stream.IsTls, _stream.Protocol),
            new ReadOnlySpan<byte>(_input, _start, _end - _start));

    private void Tunnel(WorkerAddress kestrel, string preamble, ReadOnlySpan<byte> buffered)
    {
        var tunnel = KestrelTunnel.Open(_loop, _stream, kestrel, preamble, buffered);
        if (tunnel is null)
        {
            // Kestrel's socket is gone (Pier is stopping) or its backlog is full. An HTTP/1.1 client is told so.
            if (_state == State.Handshaking || _stream.Protocol == "h2")
            {
                Close();
                return;
            }
            _closeAfter = true;
            SendBytes(Responses.Unavailable("the server is busy or stopping; try again", close: true, Hsts));
            if (_output.IsEmpty)
                Close();
            return;
        }
        _state = State.Tunneled;
        _loop.HandOver(this);
        ReturnBuffers();
    }

    public void CloseIfIdle()
    {
        if (_state == State.Reading && _start == _end && _output.IsEmpty)
            Close();
    }

    /// <summary>
    /// Once a second: a head begun 10 s ago gets a 408; a connection idle for 130 s is closed, and so is one
    /// whose client has not taken a byte of its answer for 130 s.
    /// </summary>
    public void CheckTimeouts(long now)
    {
        switch (_state)
        {
            case State.Handshaking when now - _idleSince >= HeadTimeoutMilliseconds:
                Close();
                break;
            case State.Reading when !_output.IsEmpty:
                if (now - _lastWrite >= KeepAliveMilliseconds)
                    Close();
                break;
            case State.Reading when _start < _end && now - _headSince >= HeadTimeoutMilliseconds:
                _closeAfter = true;
                SendBytes(Responses.Empty(408, close: true, Hsts));
                if (_output.IsEmpty)
                    Close();
                break;
            case State.Reading when _start == _end && now - _idleSince >= KeepAliveMilliseconds:
                Close();
                break;
            case State.Exchanging:
                _exchange.CheckTimeout(now);
                break;
        }
    }

    public void Abort() => Close();

    public void Close()
    {
        if (_state is State.Closed or State.Tunneled)
            return;
        var wasExchanging = _state == State.Exchanging;
        _state = State.Closed;
        if (wasExchanging)
            _exchange.Abandon();
        _loop.Forget(this);
        _stream.Release(notify: true);
        _loop.Reactor.Close(_fd);
        ReturnBuffers();
    }

    private void ReturnBuffers()
    {
        _output.Clear();
        if (_input is not null)
            _loop.Inputs.Give(_input);
        if (_request is not null)
            _loop.Requests.Give(_request);
        if (_out is not null)
            _loop.Answers.Give(_out);
        _input = _request = _out = null;
    }
}
