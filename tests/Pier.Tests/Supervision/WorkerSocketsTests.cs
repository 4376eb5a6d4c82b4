using System.Net.Sockets;
using Pier.Configuration;
using Pier.Supervision;

namespace Pier.Tests.Supervision;

public sealed class WorkerSocketsTests
{
    private static readonly ServiceConfig Web = new("web", "app --uds $SOCKET", "/", new Dictionary<string, string>(), 1,
        new HttpConfig(null, [], UnixSocket: true), TimeSpan.FromSeconds(1), RestartPolicy.Default);

    [Fact]
    public async Task Allocate_GivesAFreshPathEachTime_ThatConnectsOnlyWhileSomethingListens()
    {
        using var dir = new TestDirectory();
        using var sockets = new WorkerSockets("sockets-test", dir.Path);
        var first = sockets.Allocate(Web);
        var second = sockets.Allocate(Web);
        Assert.NotEqual(first.SocketPath, second.SocketPath);
        Assert.NotEqual(first.SocketHost, second.SocketHost);
        Assert.True(first.SocketPath!.Length <= WorkerSockets.MaxPathLength);

        // Nothing listens yet: refused, as a closed port is, so the front door may try another worker.
        var refused = await Assert.ThrowsAsync<SocketException>(() => Connect(sockets, first).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(first.SocketPath));
        listener.Listen();
        await using (var stream = await Connect(sockets, first))
            Assert.True(stream.CanWrite);

        sockets.Release(first);
        Assert.False(File.Exists(first.SocketPath));
        refused = await Assert.ThrowsAsync<SocketException>(() => Connect(sockets, first).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        sockets.Release(second);
    }

    [Fact]
    public void Allocate_RemovesAFileAnEarlierPierLeftAtThePath()
    {
        using var dir = new TestDirectory();
        var endpoint = new WorkerSockets("sockets-test", dir.Path).Allocate(Web);
        File.WriteAllText(endpoint.SocketPath!, "left over");

        // A new Pier with the same state directory numbers its sockets from 1 again.
        using var sockets = new WorkerSockets("sockets-test", dir.Path);
        var again = sockets.Allocate(Web);

        Assert.Equal(endpoint.SocketPath, again.SocketPath);
        Assert.False(File.Exists(again.SocketPath));
    }

    [Fact]
    public void Allocate_APathTooLongForAUnixSocket_IsRefusedWithWhatToChange()
    {
        using var dir = new TestDirectory();
        // Names of 40 characters, the longest allowed, under a long state directory when not root.
        var longName = new string('s', 40);
        var state = Path.Combine(dir.Path, new string('d', 60));
        using var sockets = new WorkerSockets(longName, state);
        var service = Web with { Name = longName };

        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            for (var i = 0; i < 1000; i++)
                sockets.Allocate(service);
        });

        Assert.Contains($"longer than the {WorkerSockets.MaxPathLength} bytes a Unix socket allows", error.Message);
        Assert.Contains("$PORT", error.Message);
    }

    private static ValueTask<Stream> Connect(WorkerSockets sockets, WorkerEndpoint endpoint) =>
        sockets.ConnectAsync(endpoint.SocketHost!, CancellationToken.None);
}
