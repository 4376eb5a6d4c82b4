using System.Diagnostics;
using System.Text;
using Pier.Os;
using Pier.Resources;

namespace Pier.Routing.FastLane;

/// <summary>
/// One request through the fast lane, from its head to the end of its answer: picks a worker, sends,
/// and when an attempt fails asks <see cref="RetryRule"/>, as the Kestrel lane does, whether another worker may have the
/// request (same log lines, same metrics). A client connection reuses its exchange.
/// </summary>
internal sealed class Exchange(ClientConnection client, EventLoop loop)
{
    private static readonly long ActivityTimeoutMilliseconds = (long)FrontDoorLimits.ActivityTimeout.TotalMilliseconds;
    private static readonly long ConnectTimeoutMilliseconds = (long)FrontDoorLimits.ConnectTimeout.TotalMilliseconds;

    private readonly FailedAttempts _failed = new();

    private ServiceRoute _route = null!;
    private PierMetrics.ServiceSeries _series = null!;
    private byte[] _request = [];
    private int _requestLength;
    private RequestHead.Info _info;
    private long _started, _attemptStarted;
    private int _attempts, _written, _status, _generation;
    private Destination? _destination;
    private DestinationState? _state;
    private PierMetrics.WorkerRequest _workerRequest;
    private WorkerConnection? _worker;
    private bool _responseStarted, _closeAfter, _resent, _attemptOpen, _finished;

    public bool IsHeadRequest => _info.IsHead;

    /// <summary><see cref="EventLoop.Now"/> when the worker or the client last made progress.</summary>
    public long LastActivity { get; private set; }

    public void Start(ServiceRoute route, byte[] request, int length, RequestHead.Info info)
    {
        _route = route;
        _request = request;
        _requestLength = length;
        _info = info;
        _attempts = _written = 0;
        _destination = null;
        _status = 0;
        _failed.Clear();
        _responseStarted = _resent = _finished = false;
        _closeAfter = info.Close;
        _started = Stopwatch.GetTimestamp();
        LastActivity = loop.Now;
        _series = loop.Routes.SeriesOf(route);
        _series.Started();
        Attempt(route.Destinations);
    }

    public void Touch() => LastActivity = loop.Now;

    private void Attempt(Destination[] destinations)
    {
        var now = Stopwatch.GetTimestamp();
        var destination = PowerOfTwoChoices.Pick(destinations, _failed.Tried, now);
        if (destination is null)
        {
            if (_attempts == 0)
                Unavailable($"no worker of service '{_route.Service}' is ready");
            else
                GiveUp(502, RetryRule.NoOtherWorker);
            return;
        }
        _attempts++;
        _destination = destination;
        _attemptStarted = now;
        _written = 0;  // per attempt, as RequestDelivery on the YARP path
        _attemptOpen = true;
        destination.Begin();
        _state = loop.Pools.StateOf(destination, _route.Service);
        _workerRequest = new PierMetrics.WorkerRequest(_state.Series, now);
        Send(_state.TakeIdle());
    }

    private void Send(WorkerConnection? worker)
    {
        var destination = _destination!;
        if (worker is null && _state!.Address is { } address)
        {
            worker = WorkerConnection.Connect(loop, destination, address, out var error);
            if (worker is null)
            {
                Failed(WorkerConnection.ConnectFailure(error), error, reused: false, answered: false);
                return;
            }
        }
        if (worker is null)
        {
            Failed(WorkerFailure.Refused, Native.ENOENT, reused: false, answered: false);
            return;
        }
        _worker = worker;
        worker.Start(this, _request, _requestLength);
    }

    public void RequestWritten() => _written++;

    public bool DeliverInterim(ReadOnlySpan<byte> head)
    {
        Touch();
        return client.SendBytes(head);
    }

    public bool DeliverHead(ReadOnlySpan<byte> head, ResponseHead.Info info, byte[] body, int offset, int count)
    {
        Touch();
        _responseStarted = true;
        _status = info.Status;
        _closeAfter |= info.Framing == ResponseHead.Framing.UntilClose || loop.Draining;
        return client.SendHead(head, _closeAfter, body, offset, count);
    }

    public bool DeliverBody(byte[] body, int offset, int count)
    {
        Touch();
        return client.SendBody(body, offset, count);
    }

    /// <summary>The client's socket took what it was given; the worker may read on.</summary>
    public void ClientDrained()
    {
        Touch();
        _worker?.Resume();
    }

    public void WorkerFinished()
    {
        _worker = null;
        EndAttempt();
        Finish(_status);
    }

    public void WorkerFailed(WorkerConnection worker, WorkerFailure failure, int error)
    {
        _worker = null;
        Failed(failure, error, worker.Reused, worker.Answered);
    }

    /// <param name="answered">Bytes of the answer had come (held back, not yet passed on): the worker saw the request.</param>
    private void Failed(WorkerFailure failure, int error, bool reused, bool answered)
    {
        var destination = _destination!;
        var attempt = new AttemptResult
        {
            Failure = failure switch
            {
                WorkerFailure.Refused => AttemptFailure.Refused,
                WorkerFailure.Unreachable => AttemptFailure.Unreachable,
                WorkerFailure.Closed => AttemptFailure.Closed,
                WorkerFailure.Reset => AttemptFailure.Reset,
                _ => AttemptFailure.NeverRetried,
            },
            Sent = _written > 0,
            SentInPieces = _written > 1,
            OnKeptAliveConnection = reused,
            Answered = answered,
            Resent = _resent,
            ResponseBegun = _responseStarted,
            IdempotentWithoutBody = _info.Idempotent,
            WorkerRetiring = destination.IsRetiring,
            WorkersBroken = _failed.Broken,
            AttemptsLeft = RetryRule.MaxAttempts - _attempts,
        };
        var verdict = RetryRule.After(attempt);
        if (verdict.Step == RetryStep.SendAgain)
        {
            _resent = true;
            Send(null);
            return;
        }
        if (verdict.Step == RetryStep.GiveUpMidAnswer)
        {
            Note(destination, Describe(failure, error, sent: true, refused: false, answered));
            EndAttempt();
            Log(verdict.Reason!);
            var status = _status;
            Finish(status, abort: true);
            return;
        }
        _resent = false;
        var refused = failure == WorkerFailure.Refused;
        if (refused)
            destination.MarkRefused(_attemptStarted);
        Note(destination, Describe(failure, error, attempt.Sent, refused, answered));
        EndAttempt();
        if (verdict.Step == RetryStep.AskWhetherWorkerDied)
        {
            // Whether the worker lives is known 50 ms later, off the loop.
            var generation = _generation;
            _ = destination.DiesWithinAsync(RetryRule.ResetGrace).ContinueWith(dies => loop.Post(() =>
            {
                if (generation == _generation)
                    Decide(RetryRule.After(attempt with { WorkerDied = dies.IsCompletedSuccessfully && dies.Result }));
            }), TaskScheduler.Default);
            return;
        }
        Decide(verdict);
    }

    private void Decide(RetryVerdict verdict)
    {
        if (verdict.Step != RetryStep.TryAnotherWorker)
        {
            GiveUp(502, verdict.Reason!);
            return;
        }
        _failed.Retrying(_destination!, verdict.BrokeWorker);
        // A retry picks among the workers in rotation now, as on the Kestrel lane.
        Attempt(loop.Context.Table.Match(Host)?.Destinations ?? []);
    }

    /// <summary>
    /// Called once a second: a connect that takes 5 s fails the attempt; a worker silent for 5 minutes gets the
    /// request's 504 (YARP's ActivityTimeout).
    /// </summary>
    public void CheckTimeout(long now)
    {
        if (_worker is { Connecting: true } connecting && now - LastActivity >= ConnectTimeoutMilliseconds)
        {
            connecting.TimedOut();
            return;
        }
        if (_worker is null || now - LastActivity < ActivityTimeoutMilliseconds)
            return;
        var worker = _worker;
        _worker = null;
        worker.Abandon();
        Note(_destination!, $"RequestTimedOut: no answer for {ActivityTimeoutMilliseconds / 1000} s, {(_written > 0 ? "after" : "before")} the request was sent");
        EndAttempt();
        if (_responseStarted)
        {
            Log(RetryRule.ResponseBegun);
            Finish(_status, abort: true);
            return;
        }
        GiveUp(504, RetryRule.MayNotRetry);
    }

    /// <summary>The client went away: the worker's answer has nowhere to go.</summary>
    public void Abandon()
    {
        _worker?.Abandon();
        _worker = null;
        EndAttempt();
        _generation++;
        if (_finished)
            return;
        _finished = true;
        _series.Finished(_responseStarted ? _status : 499, Stopwatch.GetElapsedTime(_started));
    }

    private void Unavailable(string message)
    {
        _status = 503;
        _responseStarted = true;
        _closeAfter |= loop.Draining;
        client.SendBytes(Responses.Unavailable(message, _closeAfter, client.Hsts));
        Finish(503);
    }

    private void GiveUp(int status, string why)
    {
        _status = status;
        _responseStarted = true;
        Log(why);
        _closeAfter |= loop.Draining;
        client.SendBytes(Responses.Empty(status, _closeAfter, client.Hsts));
        Finish(status);
    }

    private void EndAttempt()
    {
        if (!_attemptOpen)
            return;
        _attemptOpen = false;
        _destination!.End();
        _workerRequest.Dispose();
    }

    private void Finish(int status, bool abort = false)
    {
        _generation++;
        if (_finished)
            return;  // the client's connection broke while the answer was written: Abandon has counted it
        _finished = true;
        _series.Finished(status, Stopwatch.GetElapsedTime(_started));
        client.ExchangeDone(_closeAfter || abort, abort);
    }

    private void Note(Destination destination, string what) => _failed.Note(destination, what, Stopwatch.GetElapsedTime(_attemptStarted));

    private void Log(string why) =>
        loop.Context.LogFailure(_failed.Line(Encoding.ASCII.GetString(_request.AsSpan(_info.Method)),
            Host + Encoding.ASCII.GetString(_request.AsSpan(_info.Path)), _status, why));

    private string Host => Encoding.ASCII.GetString(_request.AsSpan(_info.Host));

    /// <summary>What went wrong with one attempt, in the words of the YARP path's log lines.</summary>
    private static string Describe(WorkerFailure failure, int error, bool sent, bool refused, bool answered)
    {
        if (refused)
            return FailedAttempts.Refused(sent);
        var detail = failure switch
        {
            WorkerFailure.Reset => "the worker reset the connection",
            WorkerFailure.InvalidResponse => "the worker's answer is not valid HTTP/1.1",
            WorkerFailure.Unreachable => $"cannot connect ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(error)})",
            _ when error != 0 => $"the connection failed (errno {error})",
            _ => answered ? "the worker closed the connection before its answer was whole" : "the worker closed the connection without an answer",
        };
        return $"Request: {detail}, {(sent ? "after the request was sent" : "before the request was sent")}";
    }
}
