namespace Pier.Routing.Kestrel;

/// <summary>
/// Tells whether a forwarding attempt wrote anything to a worker's connection, and to more than one. A refused connection
/// alone does not prove that a request never reached the app: SocketsHttpHandler re-sends a bodiless
/// request on a new connection when the first one closed before any answer, and when that worker has
/// just died, the second connect is refused. Without this, a request that kills workers would look
/// harmless and be tried on every worker in turn.
/// </summary>
internal sealed class RequestDelivery
{
    // The handler writes a request from the request's own async flow, so the attempt set by the front
    // door is the one the connection's stream sees.
    private static readonly AsyncLocal<RequestDelivery?> Current = new();

    private Stream? _first;

    /// <summary>Starts watching the current attempt.</summary>
    public static RequestDelivery Watch() => Current.Value = new RequestDelivery();

    /// <summary>For <see cref="SocketsHttpHandler.PlaintextStreamFilter"/>: every worker connection notes its writes.</summary>
    public static ValueTask<Stream> Filter(SocketsHttpPlaintextStreamFilterContext context, CancellationToken cancellation) =>
        ValueTask.FromResult<Stream>(new WriteNotingStream(context.PlaintextStream));

    /// <summary>Something of the request was written to a worker's connection.</summary>
    public bool Sent => _first is not null;

    /// <summary>The handler wrote the request to a second connection: the first closed before it answered.</summary>
    public bool Resent { get; private set; }

    private void Note(Stream connection)
    {
        if (_first is null)
            _first = connection;
        else if (!ReferenceEquals(_first, connection))
            Resent = true;
    }

    private sealed class WriteNotingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanWrite => inner.CanWrite;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellation) =>
            inner.ReadAsync(buffer, offset, count, cancellation);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellation = default) => inner.ReadAsync(buffer, cancellation);

        public override void Write(byte[] buffer, int offset, int count)
        {
            Note();
            inner.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Note();
            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellation)
        {
            Note();
            return inner.WriteAsync(buffer, offset, count, cancellation);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellation = default)
        {
            Note();
            return inner.WriteAsync(buffer, cancellation);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellation) => inner.FlushAsync(cancellation);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();

        private void Note() => Current.Value?.Note(this);
    }
}
