namespace Pier.Routing;

/// <summary>
/// The attempts of one request that workers failed, and the rules both forwarding paths (YARP's in
/// <see cref="FrontDoor"/>, the fast lane's <c>Exchange</c>) apply to them: which workers it was tried on,
/// what each attempt met in the words of the proxy log, whether another worker may have the request, and
/// the log line when none may.
/// </summary>
internal sealed class FailedAttempts
{
    public const int MaxAttempts = 3;

    /// <summary>A worker's process is gone microseconds after its exit resets its connections; this is ample.</summary>
    public static readonly TimeSpan ResetGrace = TimeSpan.FromMilliseconds(50);

    public const string ResponseBegun = "the response had begun";
    public const string NoOtherWorker = "no other worker was ready";
    public const string NoAttemptLeft = "no attempt was left";

    private readonly List<string> _notes = [];
    private int _broken;

    /// <summary>The workers the request failed on, which a retry avoids.</summary>
    public List<Destination> Tried { get; } = [];

    /// <summary>For the next request on the same connection.</summary>
    public void Clear()
    {
        _notes.Clear();
        Tried.Clear();
        _broken = 0;
    }

    /// <summary>Notes what one attempt on <paramref name="destination"/> met.</summary>
    public void Note(Destination destination, string what, TimeSpan elapsed) =>
        _notes.Add($"{destination.WorkerId}{(destination.IsRetiring ? " (being stopped)" : "")}: {what}, {elapsed.TotalMilliseconds:0} ms in");

    /// <summary>
    /// Null when another worker may have the request; otherwise why not, for the log line. A request that
    /// broke a worker mid-way is tried on one other worker only, so that a request that kills workers cannot
    /// take the whole pool down; <paramref name="notTheRequest"/> says the break was not the request's doing
    /// (it never reached the app, the worker was being stopped, or a reset came from a worker that lives on).
    /// </summary>
    public string? Refusal(bool canRetry, bool notTheRequest) =>
        !canRetry ? "it may not be retried" : !notTheRequest && _broken++ > 0 ? "two workers broke on it" : null;

    /// <summary>A refused connection, in the words of the proxy log: after a kept-alive one closed, or at once.</summary>
    public static string Refused(bool sent) =>
        sent ? "the connection closed without an answer, and a new one was refused (the worker had exited)" : "connection refused";

    /// <summary>The proxy log's line for a request that workers failed.</summary>
    public string Line(string method, string hostAndPath, int status, string why) =>
        $"{method} {hostAndPath} answered {status} ({why}): {string.Join("; then ", _notes)}";
}
