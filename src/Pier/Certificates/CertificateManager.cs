using System.Net.Sockets;
using Pier.Configuration;

namespace Pier.Certificates;

/// <summary>
/// Keeps the front door supplied with a certificate: serves a saved one at start, gets one when
/// there is none, renews on schedule (ARI, else a third of the lifetime left), or watches the
/// operator's files. Failure never takes the site down: the current certificate keeps serving,
/// the error is recorded for `pier certs`, and the next attempt waits longer.
/// </summary>
internal sealed class CertificateManager : IAsyncDisposable
{
    /// <summary>How long the loop sleeps at most: it wakes to ask ARI again and to warn about expiry.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromHours(6);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LastRetry = TimeSpan.FromHours(1);

    private readonly HttpsConfig _config;
    private readonly Action<string, bool> _log;
    private readonly TimeProvider _time;
    private readonly ICertificateIssuer? _issuer;
    private readonly CertificateFileWatcher? _files;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private volatile string? _lastError;
    private long _nextRenewalTicks; // UTC ticks, 0 for none: read by the control API while the loop writes

    /// <param name="log">Writes one line for the operator; true marks an error.</param>
    public CertificateManager(HttpsConfig config, string stateDirectory, Action<string, bool> log, TimeProvider time)
    {
        _config = config;
        _log = log;
        _time = time;
        Selector = new CertificateSelector(Store, Challenges);
        if (config.UsesFiles)
            _files = new CertificateFileWatcher(config.CertificateFile!, config.KeyFile!, Store, log, time);
        else if (config.AcmeDirectoryUrl is { } directory)
            _issuer = new AcmeIssuer(config, directory, CertificateFolder.ForAcme(stateDirectory, directory), Challenges, time);
        else
            _issuer = new LocalCertificateAuthority(CertificateFolder.ForInternal(stateDirectory), time);
    }

    public CertificateStore Store { get; } = new();

    public ChallengeResponder Challenges { get; } = new();

    public CertificateSelector Selector { get; }

    public HttpsConfig Config => _config;

    /// <summary>Serves what is already there (saved certificate, or the files) at once, then keeps it fresh in the background.</summary>
    public void Start()
    {
        if (_files is not null)
        {
            _files.Check();
            _loop = _files.RunAsync(_stopping.Token);
            return;
        }
        var issuer = _issuer!;
        if (CertificateFolder.Load(CertificateFolder.ForDomains(issuer.StorageDirectory, _config.Domains), issuer.Source, _time.GetUtcNow()) is { } saved
            && saved.Covers(_config.Domains))
        {
            Store.Serve(saved);
            _log($"serving the saved certificate for {string.Join(", ", saved.Names)}, valid until {saved.NotAfter:yyyy-MM-dd HH:mm} UTC", false);
        }
        _loop = Task.Run(() => MaintainAsync(issuer, _stopping.Token));
    }

    public IReadOnlyList<CertificateReport> Report()
    {
        var current = Store.Current;
        var now = _time.GetUtcNow();
        var source = _files is not null ? CertificateSource.File : _issuer!.Source;
        var error = _files?.LastError ?? _lastError;
        var domains = _config.Domains.Count > 0 ? _config.Domains : current?.Names ?? [_config.CertificateFile!];
        return domains.Select(domain => new CertificateReport(domain, source, current?.Issuer, current?.Serial, current?.NotAfter,
            current is null ? null : Math.Round((current.NotAfter - now).TotalDays, 2),
            _files is null && Interlocked.Read(ref _nextRenewalTicks) is > 0 and var ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null, error)).ToList();
    }

    private async Task MaintainAsync(ICertificateIssuer issuer, CancellationToken cancellation)
    {
        var failures = 0;
        while (!cancellation.IsCancellationRequested)
        {
            var current = Store.Current;
            try
            {
                var due = current is null ? _time.GetUtcNow() : await DueAsync(issuer, current, cancellation);
                Interlocked.Exchange(ref _nextRenewalTicks, due.UtcTicks);
                var wait = due - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait < Recheck ? wait : Recheck, _time, cancellation);
                    continue;
                }

                var issued = await issuer.IssueAsync(_config.Domains, current, cancellation);
                var certificate = ServedCertificate.FromPem(issued.ChainPem, issued.KeyPem, issuer.Source, _time.GetUtcNow());
                CertificateFolder.Save(CertificateFolder.ForDomains(issuer.StorageDirectory, _config.Domains), issued);
                Store.Serve(certificate);
                _lastError = null;
                failures = 0;
                _log($"{(current is null ? "got" : "renewed")} the certificate for {string.Join(", ", certificate.Names)} from {certificate.Issuer}: " +
                     $"serial {certificate.Serial}, valid until {certificate.NotAfter:yyyy-MM-dd HH:mm:ss} UTC", false);
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                failures++;
                var retry = Backoff(current, failures, (e as AcmeProblemException)?.RetryAfter);
                _lastError = Describe(e);
                Interlocked.Exchange(ref _nextRenewalTicks, (_time.GetUtcNow() + retry).UtcTicks);
                _log($"{(current is null ? "getting" : "renewing")} the certificate for {string.Join(", ", _config.Domains)} failed: {_lastError}; " +
                     $"{(current is null ? "HTTPS waits for it" : "the current certificate keeps serving")}, next try in {Worded(retry)}", true);
                if (current is not null && current.NotAfter - _time.GetUtcNow() < current.Lifetime / 6)
                    _log($"warning: the certificate for {string.Join(", ", current.Names)} expires in {Worded(current.NotAfter - _time.GetUtcNow())} " +
                         $"({current.NotAfter:yyyy-MM-dd HH:mm} UTC) and renewing it keeps failing", true);
                await Task.Delay(retry, _time, cancellation);
            }
        }
    }

    private async Task<DateTimeOffset> DueAsync(ICertificateIssuer issuer, ServedCertificate current, CancellationToken cancellation)
    {
        if (!current.Covers(_config.Domains))
            return _time.GetUtcNow();
        RenewalWindow? window = null;
        try
        {
            window = await issuer.RenewalWindowAsync(current, cancellation);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            // Without ARI the fallback schedule still renews in time.
            _log($"cannot read the CA's renewal information ({Describe(e)}); renewing when a third of the lifetime is left", true);
        }
        return RenewalSchedule.Next(current.NotBefore, current.NotAfter, current.Serial, window);
    }

    /// <summary>
    /// Doubling waits, scaled to the certificate's lifetime (a short-lived certificate cannot wait an
    /// hour), and never shorter than what the CA asked for.
    /// </summary>
    private static TimeSpan Backoff(ServedCertificate? current, int failures, TimeSpan? retryAfter)
    {
        var first = current is null ? FirstRetry : Clamp(current.Lifetime / 100, TimeSpan.FromSeconds(1), FirstRetry);
        var last = current is null ? LastRetry : Clamp(current.Lifetime / 10, first, LastRetry);
        var wait = Clamp(first * Math.Pow(2, Math.Min(failures - 1, 20)), first, last);
        return retryAfter is { } asked && asked > wait ? asked : wait;
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    private static string Describe(Exception e) => e switch
    {
        AcmeProblemException => e.Message,
        HttpRequestException { InnerException: SocketException s } => $"cannot reach the ACME server: {s.Message}",
        HttpRequestException => $"cannot reach the ACME server: {e.Message}",
        TaskCanceledException => "the ACME server did not answer in time",
        _ => e.Message,
    };

    private static string Worded(TimeSpan span) => span.TotalSeconds < 120 ? $"{Math.Max(0, span.TotalSeconds):0}s"
        : span.TotalHours < 2 ? $"{span.TotalMinutes:0}m"
        : span.TotalDays < 2 ? $"{span.TotalHours:0}h"
        : $"{span.TotalDays:0}d";

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        (_issuer as IDisposable)?.Dispose();
        _stopping.Dispose();
    }
}
