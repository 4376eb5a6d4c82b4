using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Pier.Os;
using Pier.Tests.EndToEnd;

namespace Pier.Tests.Certificates;

/// <summary>
/// Debian's pebble on loopback, with pebble-challtestsrv answering DNS so that test names resolve to
/// 127.0.0.1. Validation is real: pebble dials Pier's HTTP port (HTTP-01) and HTTPS port
/// (TLS-ALPN-01). Both processes are stopped by PID on disposal.
/// </summary>
internal sealed class PebbleServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly int _dnsPort;
    private readonly Dictionary<string, string> _environment;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _pebbleOutput = new();
    private Process? _pebble;
    private Process? _dns;

    private PebbleServer(string directory, int dnsPort, Dictionary<string, string> environment)
    {
        _directory = directory;
        _dnsPort = dnsPort;
        _environment = environment;
    }

    public int Port { get; private init; }

    public int ManagementPort { get; private init; }

    public Uri DirectoryUrl => new($"https://127.0.0.1:{Port}/dir");

    /// <summary>The root of pebble's own HTTPS listener (what `ca_root` names), not of the certificates it issues.</summary>
    public string ListenerRootFile => Path.Combine(_directory, "listener-root.pem");

    /// <param name="httpPort">Where pebble dials for HTTP-01: Pier's listen.http.</param>
    /// <param name="tlsPort">Where pebble dials for TLS-ALPN-01: Pier's listen.https.</param>
    /// <param name="validitySeconds">certificateValidityPeriod; 0 keeps pebble's default.</param>
    public static async Task<PebbleServer> StartAsync(string directory, int httpPort, int tlsPort, int validitySeconds = 0, int nonceRejectPercent = 0)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(directory, httpPort, tlsPort, validitySeconds, nonceRejectPercent);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // A port that was free when picked can be taken before pebble binds it (tests run in parallel).
            }
        }
    }

    private static async Task<PebbleServer> StartOnceAsync(string directory, int httpPort, int tlsPort, int validitySeconds, int nonceRejectPercent)
    {
        Directory.CreateDirectory(directory);
        WriteListenerCertificates(directory);
        var server = new PebbleServer(directory, Loopback.FreePort(), new Dictionary<string, string>
        {
            ["PEBBLE_VA_NOSLEEP"] = "1",
            ["PEBBLE_WFE_NONCEREJECT"] = nonceRejectPercent.ToString(),
            ["PEBBLE_AUTHZREUSE"] = "0",
        })
        {
            Port = Loopback.FreePort(),
            ManagementPort = Loopback.FreePort(),
        };
        var config = new Dictionary<string, object>
        {
            ["listenAddress"] = $"127.0.0.1:{server.Port}",
            ["managementListenAddress"] = $"127.0.0.1:{server.ManagementPort}",
            ["certificate"] = Path.Combine(directory, "listener.pem"),
            ["privateKey"] = Path.Combine(directory, "listener.key"),
            ["httpPort"] = httpPort,
            ["tlsPort"] = tlsPort,
            ["ocspResponderURL"] = "",
            ["externalAccountBindingRequired"] = false,
        };
        if (validitySeconds > 0)
            config["certificateValidityPeriod"] = validitySeconds;
        await File.WriteAllTextAsync(Path.Combine(directory, "pebble.json"), JsonSerializer.Serialize(new { pebble = config }));
        try
        {
            server._dns = Launch("pebble-challtestsrv", ["-dns01", $"127.0.0.1:{server._dnsPort}", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", $"127.0.0.1:{Loopback.FreePort()}"], []);
            await server.StartPebbleAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>The root that signs the certificates pebble issues; new at every pebble start.</summary>
    public async Task<X509Certificate2> IssuingRootAsync()
    {
        using var client = Client();
        var pem = await client.GetStringAsync($"https://127.0.0.1:{ManagementPort}/roots/0");
        return X509Certificate2.CreateFromPem(pem);
    }

    /// <summary>Stops pebble by PID; it forgets every account and order.</summary>
    public async Task StopAsync()
    {
        if (_pebble is null)
            return;
        await Stop(_pebble);
        _pebble = null;
    }

    /// <summary>A fresh pebble on the same ports and config (a new issuing root, no accounts).</summary>
    public Task StartPebbleAsync()
    {
        _pebbleOutput.Clear();
        _pebble = Launch("pebble", ["-config", Path.Combine(_directory, "pebble.json"), "-dnsserver", $"127.0.0.1:{_dnsPort}"], _environment, _pebbleOutput);
        return WaitUntilReadyAsync();
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = Client();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(DirectoryUrl);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(15))
            {
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(15) || _pebble!.HasExited)
                throw new InvalidOperationException($"pebble did not start on port {Port}; it said: {string.Join(" | ", _pebbleOutput)}");
            await Task.Delay(100);
        }
    }

    private HttpClient Client()
    {
        var root = X509Certificate2.CreateFromPem(File.ReadAllText(ListenerRootFile));
        return new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is X509Certificate2 leaf && chain.Build(leaf);
                },
            },
        }) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <param name="lastLines">Keeps the process's last output lines, for the error when it does not start.</param>
    private static Process Launch(string program, string[] args, Dictionary<string, string> environment, System.Collections.Concurrent.ConcurrentQueue<string>? lastLines = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        var process = Process.Start(info)!;
        // Drain output so that a chatty pebble never blocks on a full pipe.
        void Keep(string? line)
        {
            if (line is null || lastLines is null)
                return;
            lastLines.Enqueue(line);
            while (lastLines.Count > 5)
                lastLines.TryDequeue(out _);
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task Stop(Process process)
    {
        if (!process.HasExited)
        {
            Signals.Send(process.Id, Signals.SIGTERM);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Signals.Send(process.Id, Signals.SIGKILL);
                await process.WaitForExitAsync();
            }
        }
        process.Dispose();
    }

    /// <summary>A P-256 CA and a leaf for 127.0.0.1, localhost and ::1, for pebble's own HTTPS listener.</summary>
    private static void WriteListenerCertificates(string directory)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Pier test pebble listener CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(ca, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(Path.Combine(directory, "listener-root.pem"), ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "listener.pem"), leaf.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "listener.key"), key.ExportECPrivateKeyPem() + "\n");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_dns is not null)
            await Stop(_dns);
        _dns = null;
    }
}
