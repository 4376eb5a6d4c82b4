namespace Pier.Routing.FastLane;

/// <summary>What a loop calls when one of the descriptors registered for it is ready.</summary>
internal interface ILoopHandler
{
    void OnEvents(int fd, uint events);

    /// <summary>A bug surfaced while handling an event: end what this handler holds, so the loop lives on.</summary>
    void Abort();
}
