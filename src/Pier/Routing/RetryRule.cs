namespace Pier.Routing;

/// <summary>
/// The one rulebook of both lanes (the fast lane's <c>Exchange</c>, the Kestrel lane's YARP forwarding) for a request
/// whose attempt to reach a worker failed: send it again, try another worker, or give up and why. A dying worker should cost
/// the client nothing, and a request that kills workers must not take the whole pool down.
/// </summary>
internal static class RetryRule
{
    public const int MaxAttempts = 3;

    /// <summary>A worker's process is gone microseconds after its exit resets its connections; this is ample.</summary>
    public static readonly TimeSpan ResetGrace = TimeSpan.FromMilliseconds(50);

    public const string ResponseBegun = "the response had begun";
    public const string MayNotRetry = "it may not be retried";
    public const string TwoWorkersBroke = "two workers broke on it";
    public const string NoOtherWorker = "no other worker was ready";
    public const string NoAttemptLeft = "no attempt was left";

    /// <summary>
    /// In order: an answer begun cannot be taken back. A kept-alive connection that the worker closed meanwhile gets the
    /// request once more on a new connection (as SocketsHttpHandler does on the YARP path), unless part of an answer came or
    /// a body followed the head. A connection refused before anything was sent never reached the app, so any request may
    /// go elsewhere; any other failure only an idempotent request without a body, and never one whose answer was invalid
    /// or late. A request that broke a worker goes to one other worker only. Two breaks are not the request's doing: a
    /// worker Pier was stopping, and a reset of the first connection the request was written to by a worker that lives
    /// on (the kernel's answer when a worker closes an idle connection with the request unread; a worker that dies resets
    /// too, so the rule asks whether it died). After a re-send, a reset says only that the listener closed.
    /// </summary>
    public static RetryVerdict After(in AttemptResult attempt)
    {
        if (attempt.ResponseBegun)
            return new RetryVerdict(RetryStep.GiveUpMidAnswer, ResponseBegun);
        if (attempt.OnKeptAliveConnection && !attempt.Answered && !attempt.SentInPieces && !attempt.Resent
            && attempt.Failure is AttemptFailure.Closed or AttemptFailure.Reset)
            return new RetryVerdict(RetryStep.SendAgain);
        var unseen = attempt.Failure == AttemptFailure.Refused && !attempt.Sent;
        var canRetry = unseen || (attempt.IdempotentWithoutBody && attempt.Failure != AttemptFailure.NeverRetried);
        if (!canRetry)
            return new RetryVerdict(RetryStep.GiveUp, MayNotRetry);
        var notTheRequest = unseen || attempt.WorkerRetiring;
        if (!notTheRequest && attempt.Failure == AttemptFailure.Reset && !attempt.Resent)
        {
            if (attempt.WorkerDied is not { } died)
                return new RetryVerdict(RetryStep.AskWhetherWorkerDied);
            notTheRequest = !died;
        }
        if (!notTheRequest && attempt.WorkersBroken > 0)
            return new RetryVerdict(RetryStep.GiveUp, TwoWorkersBroke);
        if (attempt.AttemptsLeft <= 0)
            return new RetryVerdict(RetryStep.GiveUp, NoAttemptLeft);
        return new RetryVerdict(RetryStep.TryAnotherWorker, BrokeWorker: !notTheRequest);
    }
}
