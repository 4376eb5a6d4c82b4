namespace Pier.Certificates;

/// <summary>
/// <c>certificate</c> + <c>key</c>: PEM files another tool renews (certbot, cert-manager). Pier
/// rereads them when their content changes; a new pair that does not load keeps the old
/// certificate serving and says why. It compares content on a short poll rather than using
/// inotify, because certbot swaps symlinks in live/ and a watch on the old target sees nothing.
/// </summary>
internal sealed class CertificateFileWatcher(string certificateFile, string keyFile, CertificateStore store, Action<string, bool> log, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private string? _seen;

    /// <summary>The last reason a file pair was refused; null once a pair loaded.</summary>
    public string? LastError { get; private set; }

    /// <summary>Loads the files now, if they changed since the last look.</summary>
    public void Check()
    {
        string chain, key;
        try
        {
            chain = File.ReadAllText(certificateFile);
            key = File.ReadAllText(keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Refuse(e.Message);
            return;
        }
        // Nothing secret is kept: only whether the pair changed.
        var seen = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(chain + "\0" + key)));
        if (seen == _seen)
            return;
        _seen = seen;
        try
        {
            var certificate = ServedCertificate.FromPem(chain, key, CertificateSource.File, time.GetUtcNow());
            var reloaded = store.Current is not null;
            store.Serve(certificate);
            LastError = null;
            log($"{(reloaded ? "reloaded" : "loaded")} {certificateFile}: {string.Join(", ", certificate.Names)}, valid until {certificate.NotAfter:yyyy-MM-dd HH:mm} UTC", false);
        }
        catch (InvalidDataException e)
        {
            Refuse(e.Message);
        }
    }

    public async Task RunAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            Check();
            await Task.Delay(PollInterval, time, cancellation);
        }
    }

    private void Refuse(string reason)
    {
        if (LastError == reason)
            return;
        LastError = reason;
        log(store.Current is null
            ? $"cannot load {certificateFile} with {keyFile}: {reason}; HTTPS waits for a usable pair"
            : $"cannot load the new {certificateFile} with {keyFile}: {reason}; the previous certificate keeps serving", true);
    }
}
