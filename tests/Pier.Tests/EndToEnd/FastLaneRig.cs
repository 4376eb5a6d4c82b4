
namespace Pier.Tests.EndToEnd;

/// <summary>
/// What the fast lane's end-to-end tests share: a worker that answers in every shape HTTP/1.1 allows, and Pier
/// started in front of it over plain HTTP or HTTPS.
/// </summary>
internal static class FastLaneRig
{
    internal const int BigLength = 4 * 1024 * 1024;

    private const string Shapes = """
        import os, signal, socket, threading, time
        listener = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
        IDLE = float(os.environ.get("IDLE", "5"))
        BIG = bytes(range(256)) * (4 * 1024 * 1024 // 256)

        def answer(conn, method, path, head, body):
            if path in ("/", "/healthz"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif path == "/echo":
                payload = head + b"\r\n\r\n" + body
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
            elif path == "/chunked":
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                time.sleep(0.05)
                conn.sendall(b"7\r\n, world\r\n")
                time.sleep(0.05)
                conn.sendall(b"0\r\nX-Trailer: yes\r\n\r\n")
            elif path == "/big":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BIG) + BIG)
            elif path == "/until-close":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
                return False
            elif path == "/worker-closes":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\nKeep-Alive: timeout=5\r\n\r\nok")
                return False
            elif path == "/early-hints":
                conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")
                time.sleep(0.05)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif path == "/own-hsts":
                conn.sendall(b"HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=5\r\nContent-Length: 2\r\n\r\nok")
            elif path == "/dies-after-head":
                # The first worker asked dies between its head and its body, as a SIGKILL can land in uvicorn.
                try:
                    open("died", "x").close()
                except FileExistsError:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Attempt: second\r\nContent-Length: 2\r\n\r\nok")
                    return True
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Attempt: first\r\nContent-Length: 2\r\n\r\n")
                time.sleep(0.05)
                os.kill(os.getpid(), signal.SIGKILL)
            elif path == "/half-an-answer":
                # Counts the requests it sees, then answers half and closes.
                with open("half-an-answer", "a") as seen:
                    seen.write(method + "\n")
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
                return False
            elif path == "/head":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return True

        def serve(conn):
            conn.settimeout(IDLE)
            pending = b""
            with conn:
                while True:
                    while b"\r\n\r\n" not in pending:
                        try:
                            data = conn.recv(65536)
                        except socket.timeout:
                            return
                        if not data:
                            return
                        pending += data
                    head, pending = pending.split(b"\r\n\r\n", 1)
                    lines = head.split(b"\r\n")
                    method, target, _ = lines[0].split(b" ")
                    length = 0
                    for line in lines[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(pending) < length:
                        pending += conn.recv(65536)
                    body, pending = pending[:length], pending[length:]
                    if not answer(conn, method.decode(), target.split(b"?")[0].decode(), head, body):
                        return

        while True:
            threading.Thread(target=serve, args=(listener.accept()[0],), daemon=True).start()
        """;

    internal const string Host = "lane.pier.test";

    /// <summary>Pier with the shapes worker, stopped and its directory removed on dispose.</summary>
    /// <param name="Port">The port the tests use: the HTTPS one when <paramref name="Https"/>.</param>
    internal sealed record Lane(TestDirectory Dir, PierProcess Pier, int Port, bool Https) : IAsyncDisposable
    {
        public Task<RawConnection> OpenAsync(int? receiveBuffer = null) =>
            RawConnection.OpenAsync(Port, receiveBuffer, Https ? Host : null, Https ? ["http/1.1"] : []);

        public async ValueTask DisposeAsync()
        {
            await Pier.DisposeAsync();
            Dir.Dispose();
        }
    }

    /// <param name="https">HTTPS with Pier's internal CA: the fast lane serves the HTTPS port, Kestrel the HTTP one.</param>
    internal static async Task<Lane> StartAsync(bool https = false, string environment = "", int workers = 1)
    {
        var dir = new TestDirectory();
        var port = Loopback.FreePort();
        int? httpsPort = https ? Loopback.FreePort() : null;
        dir.Write("shapes.py", Shapes);
        dir.Write("pier.yaml", TestConfigs.FastApi("fast-lane", port, workers: workers, run: $"{environment}/usr/bin/python3 shapes.py", dir: dir.Path,
            httpsPort: httpsPort, extra: https ? $"https:\n  domains: [{Host}]\n  ca: internal" : ""));
        var pier = PierProcess.Start(dir);
        try
        {
            await pier.WaitForReadyAsync("web", workers);
            if (httpsPort is { } tls)
                await WaitForCertificateAsync(tls);
        }
        catch
        {
            await pier.DisposeAsync();
            dir.Dispose();
            throw;
        }
        return new Lane(dir, pier, httpsPort ?? port, https);
    }

    /// <summary>Handshakes fail until the internal CA's first certificate is there.</summary>
    private static async Task WaitForCertificateAsync(int port)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var connection = await RawConnection.OpenAsync(port, tlsHost: Host);
                return;
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(100);
            }
        }
    }
}
