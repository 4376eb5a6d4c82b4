namespace Pier.Supervision;

/// <summary>What a worker tells whoever runs it (its pool), and what it asks of it.</summary>
internal interface IWorkerObserver
{
    /// <summary>Called for every change, in order, on the worker's own flow.</summary>
    void Changed(WorkerTransition transition);

    /// <summary>
    /// Waits until the worker that <paramref name="status"/> describes, just taken out of rotation, has no
    /// request in flight, or until <paramref name="deadline"/> has passed.
    /// </summary>
    Task DrainAsync(WorkerStatus status, TimeSpan deadline);
}
