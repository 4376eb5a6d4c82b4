using System.Runtime.CompilerServices;

namespace Pier.Routing;

/// <summary>
/// Tells whether a forwarding attempt wrote anything to a worker's connection. A refused connection
/// alone does not prove that a request never reached the app: SocketsHttpHandler re-sends a bodiless
/// request on a new connection when the first one closed before any answer, and when that worker has
/// just died, the second connect is refused. Without this, a request that kills workers would look
/// harmless and be tried on every worker in turn.
/// </summary>
internal static class RequestDelivery
{
    // The handler writes a request from the request's own async flow, so the flag set by the front door
    // for one attempt is the one the connection's stream sees.
    private static readonly AsyncLocal<StrongBox<bool>?> Attempt = new();

    /// <summary>Starts watching the current attempt: the box turns true at its first write to a worker.</summary>
    public static StrongBox<bool> Watch() => Attempt.Value = new StrongBox<bool>();

    /// <summary>For <see cref="SocketsHttpHandler.PlaintextStreamFilter"/>: every worker connection notes its writes.</summary>
    public static ValueTask<Stream> Filter(SocketsHttpPlaintextStreamFilterContext context, CancellationToken cancellation) =>
        ValueTask.FromResult<Stream>(new WriteNotingStream(context.PlaintextStream));

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

        private static void Note()
        {
            if (Attempt.Value is { } sent)
                sent.Value = true;
        }
    }
}
