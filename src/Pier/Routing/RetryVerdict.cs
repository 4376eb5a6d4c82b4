namespace Pier.Routing;

/// <summary>What to do after a failed attempt.</summary>
internal enum RetryStep
{
    /// <summary>Send the request again, once, on a new connection to the same worker.</summary>
    SendAgain,

    /// <summary>The verdict depends on whether the worker dies: await <see cref="Destination.DiesWithinAsync"/> and ask again.</summary>
    AskWhetherWorkerDied,

    /// <summary>Try the request on another worker.</summary>
    TryAnotherWorker,

    /// <summary>Give up and answer the client with the failure (502, or 504 after a timeout).</summary>
    GiveUp,

    /// <summary>Give up with the client's answer begun: cut it off.</summary>
    GiveUpMidAnswer,
}

/// <summary><see cref="RetryRule"/>'s answer.</summary>
/// <param name="Reason">With a giving up: why, in the words of the proxy log.</param>
/// <param name="BrokeWorker">With <see cref="RetryStep.TryAnotherWorker"/>: the break was the request's doing, so it counts.</param>
internal readonly record struct RetryVerdict(RetryStep Step, string? Reason = null, bool BrokeWorker = false);
