using Pier.Routing;

namespace Pier.Tests.Routing;

/// <summary>
/// The rulebook both lanes follow after a failed attempt, one row per rule. An attempt reads as a failure followed by what
/// else held: sent, pieces (more than one write), kept-alive, answered, resent, begun (the client's answer), idempotent
/// (without a body), retiring, died=yes|no, broken=N (workers the request broke before), left=N (attempts left, 2 unless said).
/// </summary>
public sealed class RetryRuleTests
{
    [Theory]
    // An answer begun cannot be taken back.
    [InlineData("closed sent answered begun idempotent", "cut the answer: the response had begun")]
    [InlineData("never-retried sent answered begun", "cut the answer: the response had begun")]
    // A kept-alive connection the worker closed meanwhile: the request once more on a new connection.
    [InlineData("closed sent kept-alive", "send again")]
    [InlineData("reset sent kept-alive", "send again")]
    [InlineData("closed kept-alive", "send again")]
    [InlineData("closed sent kept-alive answered", "give up: it may not be retried")]
    [InlineData("closed sent pieces kept-alive", "give up: it may not be retried")]
    [InlineData("closed sent kept-alive resent", "give up: it may not be retried")]
    [InlineData("closed sent kept-alive resent idempotent", "try another worker, which the request broke")]
    [InlineData("refused sent kept-alive", "give up: it may not be retried")]
    [InlineData("never-retried sent kept-alive idempotent", "give up: it may not be retried")]
    // Refused before anything was sent: the app never saw it, so any request goes elsewhere, and it broke nothing.
    [InlineData("refused", "try another worker")]
    [InlineData("refused broken=1", "try another worker")]
    [InlineData("refused left=0", "give up: no attempt was left")]
    // Refused after a send (a kept-alive connection closed and a new one was refused): the worker may have had it.
    [InlineData("refused sent resent", "give up: it may not be retried")]
    [InlineData("refused sent resent idempotent", "try another worker, which the request broke")]
    // Any other failure: only an idempotent request without a body, and never an invalid or late answer.
    [InlineData("closed sent", "give up: it may not be retried")]
    [InlineData("unreachable", "give up: it may not be retried")]
    [InlineData("unreachable idempotent", "try another worker, which the request broke")]
    [InlineData("closed sent idempotent", "try another worker, which the request broke")]
    [InlineData("never-retried sent idempotent", "give up: it may not be retried")]
    [InlineData("closed sent idempotent left=0", "give up: no attempt was left")]
    // A request that broke a worker goes to one other worker only...
    [InlineData("closed sent idempotent broken=1", "give up: two workers broke on it")]
    // ...unless the break was not its doing: a worker Pier was stopping,
    [InlineData("closed sent idempotent retiring broken=1", "try another worker")]
    [InlineData("reset sent idempotent retiring broken=1", "try another worker")]
    // or a reset from a worker that lives on, which the rule asks about.
    [InlineData("reset sent idempotent", "ask whether the worker died")]
    [InlineData("reset sent idempotent broken=1", "ask whether the worker died")]
    [InlineData("reset sent idempotent died=no broken=1", "try another worker")]
    [InlineData("reset sent idempotent died=yes", "try another worker, which the request broke")]
    [InlineData("reset sent idempotent died=yes broken=1", "give up: two workers broke on it")]
    [InlineData("reset sent idempotent died=no left=0", "give up: no attempt was left")]
    // After a re-send a reset says only that the listener closed: nothing to ask.
    [InlineData("reset sent resent idempotent", "try another worker, which the request broke")]
    [InlineData("reset sent resent idempotent broken=1", "give up: two workers broke on it")]
    // A request that may not be retried gives up at once, without asking.
    [InlineData("reset sent", "give up: it may not be retried")]
    public void AFailedAttempt_GetsTheRulebooksVerdict(string attempt, string verdict) =>
        Assert.Equal(verdict, Read(RetryRule.After(Parse(attempt))));

    private static AttemptResult Parse(string attempt)
    {
        var words = attempt.Split(' ');
        var result = new AttemptResult
        {
            Failure = words[0] switch
            {
                "refused" => AttemptFailure.Refused,
                "unreachable" => AttemptFailure.Unreachable,
                "closed" => AttemptFailure.Closed,
                "reset" => AttemptFailure.Reset,
                "never-retried" => AttemptFailure.NeverRetried,
                _ => throw new ArgumentException(words[0]),
            },
            AttemptsLeft = 2,
        };
        foreach (var word in words.Skip(1))
            result = word switch
            {
                "sent" => result with { Sent = true },
                "pieces" => result with { SentInPieces = true },
                "kept-alive" => result with { OnKeptAliveConnection = true },
                "answered" => result with { Answered = true },
                "resent" => result with { Resent = true },
                "begun" => result with { ResponseBegun = true },
                "idempotent" => result with { IdempotentWithoutBody = true },
                "retiring" => result with { WorkerRetiring = true },
                "died=yes" => result with { WorkerDied = true },
                "died=no" => result with { WorkerDied = false },
                _ when word.StartsWith("broken=", StringComparison.Ordinal) => result with { WorkersBroken = int.Parse(word[7..]) },
                _ when word.StartsWith("left=", StringComparison.Ordinal) => result with { AttemptsLeft = int.Parse(word[5..]) },
                _ => throw new ArgumentException(word),
            };
        return result;
    }

    private static string Read(RetryVerdict verdict) => verdict.Step switch
    {
        RetryStep.SendAgain => "send again",
        RetryStep.AskWhetherWorkerDied => "ask whether the worker died",
        RetryStep.TryAnotherWorker => verdict.BrokeWorker ? "try another worker, which the request broke" : "try another worker",
        RetryStep.GiveUp => $"give up: {verdict.Reason}",
        _ => $"cut the answer: {verdict.Reason}",
    };
}
