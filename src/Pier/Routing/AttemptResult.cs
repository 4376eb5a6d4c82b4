namespace Pier.Routing;

/// <summary>How one attempt to reach a worker went wrong, in terms both lanes can tell.</summary>
internal enum AttemptFailure
{
    /// <summary>connect(2) was refused: nothing listens (the worker is gone or not yet there).</summary>
    Refused,

    /// <summary>connect(2) failed otherwise (a full backlog, no route, no answer within the connect timeout).</summary>
    Unreachable,

    /// <summary>The connection closed, or failed otherwise, before the worker's answer was whole.</summary>
    Closed,

    /// <summary>The connection was reset.</summary>
    Reset,

    /// <summary>Never retried: an answer that is not valid HTTP, a timeout, a failure on the client's side or of a body half-sent.</summary>
    NeverRetried,
}

/// <summary>
/// What one failed attempt to reach a worker met, as <see cref="RetryRule"/> reads it. A struct, so that the fast lane
/// decides without allocating.
/// </summary>
internal readonly record struct AttemptResult
{
    public AttemptFailure Failure { get; init; }

    /// <summary>Something of the request was written to the worker's connection.</summary>
    public bool Sent { get; init; }

    /// <summary>The request took more than one write (a body followed its head): too much to send again.</summary>
    public bool SentInPieces { get; init; }

    /// <summary>
    /// The attempt used a kept-alive connection that the lane took from its own pool. YARP's handler re-sends on a new connection
    /// itself and reports it as <see cref="Resent"/>, so the Kestrel lane leaves this false.
    /// </summary>
    public bool OnKeptAliveConnection { get; init; }

    /// <summary>Bytes of the answer had come (held back, not yet passed on): the worker saw the request.</summary>
    public bool Answered { get; init; }

    /// <summary>The request was already sent again on a new connection in this attempt.</summary>
    public bool Resent { get; init; }

    /// <summary>The client's answer has begun: nothing can be taken back.</summary>
    public bool ResponseBegun { get; init; }

    /// <summary>An idempotent method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) without a body.</summary>
    public bool IdempotentWithoutBody { get; init; }

    /// <summary>Pier was stopping the worker (<see cref="Destination.IsRetiring"/>).</summary>
    public bool WorkerRetiring { get; init; }

    /// <summary>
    /// Whether the worker's process went within <see cref="RetryRule.ResetGrace"/> (<see cref="Destination.DiesWithinAsync"/>);
    /// null until the rule asks for it.
    /// </summary>
    public bool? WorkerDied { get; init; }

    /// <summary>How many workers the request broke before this attempt.</summary>
    public int WorkersBroken { get; init; }

    /// <summary>How many attempts the request has left after this one.</summary>
    public int AttemptsLeft { get; init; }
}
