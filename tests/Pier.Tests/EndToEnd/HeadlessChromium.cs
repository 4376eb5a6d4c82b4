using Microsoft.Playwright;

namespace Pier.Tests.EndToEnd;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright (its driver runs on the node bundled in the
/// NuGet package; no browser is downloaded). A fresh profile per instance, removed on disposal.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private const string Executable = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly TestDirectory _profile;

    private HeadlessChromium(IPlaywright playwright, IBrowserContext context, TestDirectory profile)
    {
        _playwright = playwright;
        Context = context;
        _profile = profile;
    }

    public IBrowserContext Context { get; }

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"no browser at {Executable}: install Debian's chromium package (test.sh does)");
        var playwright = await Playwright.CreateAsync();
        var profile = new TestDirectory();
        try
        {
            // A persistent context is how Playwright takes a --user-data-dir of the caller's choosing.
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile.Path, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = Executable,
                Headless = true,
                // Nothing but loopback traffic: no update, sync or QUIC probes to the outside.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
                ViewportSize = new ViewportSize { Width = 1400, Height = 1100 },
                Timeout = 30_000,
            });
            return new HeadlessChromium(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            profile.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        _profile.Dispose();
    }
}
