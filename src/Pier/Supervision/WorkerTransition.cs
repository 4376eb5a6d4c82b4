namespace Pier.Supervision;

/// <summary>One change of a worker slot, as the worker made it: the status it left and the one it took.</summary>
internal sealed record WorkerTransition(Worker Worker, WorkerStatus Before, WorkerStatus After);
