namespace Pier.Routing.FastLane;

/// <summary>
/// What a client's socket has not taken yet: up to two pieces (a head with the start of the body, the rest
/// of a read). A struct in its connection: no allocation, no indirection on the way out.
/// </summary>
internal struct OutputQueue
{
    public enum Result { Written, Held, Broken }

    private byte[]? _array, _nextArray;
    private int _offset, _count, _nextOffset, _nextCount;

    public readonly bool IsEmpty => _count == 0;

    /// <summary>Writes <paramref name="first"/> then <paramref name="second"/>, holding what the socket does not take.</summary>
    /// <param name="progressed">Set when the socket took a byte.</param>
    public Result Write(SocketStream stream, byte[] first, int firstOffset, int firstCount, byte[]? second, int secondOffset, int secondCount,
        ref bool progressed)
    {
        var sent = Send(stream, first, firstOffset, firstCount, ref progressed);
        if (sent < 0)
            return Result.Broken;
        if (sent < firstCount)
        {
            (_array, _offset, _count) = (first, firstOffset + sent, firstCount - sent);
            (_nextArray, _nextOffset, _nextCount) = (second, secondOffset, second is null ? 0 : secondCount);
            return Result.Held;
        }
        if (second is null)
            return Result.Written;
        var more = Send(stream, second, secondOffset, secondCount, ref progressed);
        if (more < 0)
            return Result.Broken;
        if (more == secondCount)
            return Result.Written;
        (_array, _offset, _count) = (second, secondOffset + more, secondCount - more);
        (_nextArray, _nextCount) = (null, 0);
        return Result.Held;
    }

    /// <summary>Writes what is held, as far as the socket takes it.</summary>
    public Result Flush(SocketStream stream, ref bool progressed)
    {
        while (_count > 0)
        {
            var n = Send(stream, _array!, _offset, _count, ref progressed);
            if (n < 0)
                return Result.Broken;
            if (n == 0)
                return Result.Held;
            _offset += n;
            _count -= n;
            if (_count == 0)
            {
                (_array, _offset, _count) = (_nextArray, _nextOffset, _nextCount);
                (_nextArray, _nextCount) = (null, 0);
            }
        }
        _array = null;
        return Result.Written;
    }

    public void Clear()
    {
        _array = _nextArray = null;
        _count = _nextCount = 0;
    }

    /// <summary>Bytes the socket took, or -1 when the connection is broken.</summary>
    private static int Send(SocketStream stream, byte[] array, int offset, int count, ref bool progressed)
    {
        var n = stream.Send(array, offset, count);
        if (n > 0)
            progressed = true;
        if (n >= 0)
            return (int)n;
        return n == SocketStream.WouldBlock ? 0 : -1;
    }
}
