namespace Pier.Routing;

/// <summary>
/// The attempts of one request that workers failed, as both lanes keep them for <see cref="RetryRule"/>: which workers it
/// was tried on, how many it broke, what each attempt met in the words of the proxy log, and the log line when it gave up.
/// </summary>
internal sealed class FailedAttempts
{
    private readonly List<string> _notes = [];

    /// <summary>The workers the request failed on, which a retry avoids.</summary>
    public List<Destination> Tried { get; } = [];

    /// <summary>How many workers the request broke (<see cref="RetryVerdict.BrokeWorker"/>).</summary>
    public int Broken { get; private set; }

    /// <summary>For the next request on the same connection.</summary>
    public void Clear()
    {
        _notes.Clear();
        Tried.Clear();
        Broken = 0;
    }

    /// <summary>Notes what one attempt on <paramref name="destination"/> met.</summary>
    public void Note(Destination destination, string what, TimeSpan elapsed) =>
        _notes.Add($"{destination.WorkerId}{(destination.IsRetiring ? " (being stopped)" : "")}: {what}, {elapsed.TotalMilliseconds:0} ms in");

    /// <summary>The request goes on to another worker (<see cref="RetryStep.TryAnotherWorker"/>) after failing on <paramref name="destination"/>.</summary>
    public void Retrying(Destination destination, bool brokeWorker)
    {
        Tried.Add(destination);
        if (brokeWorker)
            Broken++;
    }

    /// <summary>A refused connection, in the words of the proxy log: after a kept-alive one closed, or at once.</summary>
    public static string Refused(bool sent) =>
        sent ? "the connection closed without an answer, and a new one was refused (the worker had exited)" : "connection refused";

    /// <summary>The proxy log's line for a request that workers failed.</summary>
    public string Line(string method, string hostAndPath, int status, string why) =>
        $"{method} {hostAndPath} answered {status} ({why}): {string.Join("; then ", _notes)}";
}
