namespace Pier.Routing.FastLane;

/// <summary>
/// Follows a chunked body as it streams by, to know where it ends; the bytes themselves are forwarded
/// untouched. Strict: a size that is not hex, a missing CRLF or a bare LF is an error, not a guess.
/// </summary>
internal struct ChunkedFraming
{
    private enum State { Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerStart, Trailer, TrailerLf, FinalLf, Done }

    private State _state;
    private long _remaining;
    private int _digits;

    public readonly bool Done => _state == State.Done;

    /// <summary>How many bytes of <paramref name="data"/> belong to the body (all, until it ends); -1 when malformed.</summary>
    public int Advance(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _state != State.Done)
        {
            var b = data[i];
            switch (_state)
            {
                case State.Size:
                    var digit = HexValue(b);
                    if (digit >= 0)
                    {
                        if (++_digits > 15)
                            return -1;
                        _remaining = _remaining * 16 + digit;
                    }
                    else if (_digits > 0 && b is (byte)';' or (byte)' ' or (byte)'\t')
                        _state = State.Extension;
                    else if (_digits > 0 && b == (byte)'\r')
                        _state = State.SizeLf;
                    else
                        return -1;
                    i++;
                    break;
                case State.Extension:
                    if (b == (byte)'\r')
                        _state = State.SizeLf;
                    else if (b == (byte)'\n')
                        return -1;
                    i++;
                    break;
                case State.SizeLf:
                    if (b != (byte)'\n')
                        return -1;
                    _state = _remaining == 0 ? State.TrailerStart : State.Data;
                    i++;
                    break;
                case State.Data:
                    var take = (int)Math.Min(_remaining, data.Length - i);
                    _remaining -= take;
                    i += take;
                    if (_remaining == 0)
                        _state = State.DataCr;
                    break;
                case State.DataCr:
                    if (b != (byte)'\r')
                        return -1;
                    _state = State.DataLf;
                    i++;
                    break;
                case State.DataLf:
                    if (b != (byte)'\n')
                        return -1;
                    _state = State.Size;
                    _digits = 0;
                    i++;
                    break;
                case State.TrailerStart:
                    if (b == (byte)'\n')
                        return -1;
                    _state = b == (byte)'\r' ? State.FinalLf : State.Trailer;
                    i++;
                    break;
                case State.Trailer:
                    if (b == (byte)'\r')
                        _state = State.TrailerLf;
                    else if (b == (byte)'\n')
                        return -1;
                    i++;
                    break;
                case State.TrailerLf:
                    if (b != (byte)'\n')
                        return -1;
                    _state = State.TrailerStart;
                    i++;
                    break;
                case State.FinalLf:
                    if (b != (byte)'\n')
                        return -1;
                    _state = State.Done;
                    i++;
                    break;
            }
        }
        return i;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
