using Pier.Configuration;

namespace Pier.Replication;

/// <summary>What a reload asks of a running service.</summary>
internal enum ServiceChange
{
    /// <summary>Only the worker count changed: add or drain workers, leave the others alone.</summary>
    Scale,
    /// <summary>Anything else, or nothing in the config (the code on disk may have changed): every worker is replaced, rolling.</summary>
    Replace,
}

/// <summary>Compares two configs of one service.</summary>
internal static class ServiceChanges
{
    public static ServiceChange Compare(ServiceConfig current, ServiceConfig next)
    {
        var sameButCount = current.Workers != next.Workers
            && current.Run == next.Run
            && current.Directory == next.Directory
            && current.Env.Count == next.Env.Count
            && current.Env.All(e => next.Env.TryGetValue(e.Key, out var v) && v == e.Value)
            && (current.Http is null) == (next.Http is null)
            && Equals(current.Http?.Health, next.Http?.Health)
            && (current.Http?.Hosts ?? []).SequenceEqual(next.Http?.Hosts ?? [])
            && current.StopTimeout == next.StopTimeout
            && current.Restart == next.Restart
            && Equals(current.Memory, next.Memory)
            && current.User == next.User
            && current.Upstream == next.Upstream
            && Equals(current.Deploy, next.Deploy);
        return sameButCount ? ServiceChange.Scale : ServiceChange.Replace;
    }
}
