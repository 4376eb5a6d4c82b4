namespace Pier.Control;

/// <summary>
/// One line of a long control request (reload, restart, scale), streamed as NDJSON while it runs.
/// The last event carries <see cref="Ok"/>; the ones before it are progress.
/// </summary>
internal sealed record ControlEvent(string Message, bool? Ok = null);
