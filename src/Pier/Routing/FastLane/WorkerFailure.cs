namespace Pier.Routing.FastLane;

/// <summary>How one attempt to reach a worker went wrong.</summary>
internal enum WorkerFailure
{
    /// <summary>connect(2) was refused: nothing listens (the worker is gone or not yet there).</summary>
    Refused,

    /// <summary>connect(2) failed otherwise (a full backlog, no route, no answer within 5 s): the worker may live on.</summary>
    Unreachable,

    /// <summary>The worker closed the connection before its answer was complete.</summary>
    Closed,

    /// <summary>The connection was reset.</summary>
    Reset,

    /// <summary>What came back is not HTTP/1.x, or its head is too large.</summary>
    InvalidResponse,
}
