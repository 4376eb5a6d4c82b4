using System.Text.Json;
using Microsoft.Playwright;

namespace Pier.Tests.EndToEnd;

/// <summary>The dashboard on the admin listener, opened in a real headless Chromium against a real `pier up`.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class DashboardTests
{
    private static readonly string Artifacts = Path.Combine(AppContext.BaseDirectory, "TestResults");

    private static string Config(int port, int adminPort) => TestConfigs.FastApi("cockpit", port, workers: 2, adminPort: adminPort);

    [Fact(Timeout = 180_000)]
    public async Task TheDashboard_ShowsTheLiveWorkers_ChartsSamples_AndReloadAndRestartReplaceWorkers()
    {
        using var dir = new TestDirectory();
        var port = Loopback.FreePort();
        var adminPort = Loopback.FreePort();
        dir.Write("pier.yaml", Config(port, adminPort));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);

        var (code, url, stderr) = await PierCli.RunAsync(dir.Path, "dashboard", "-c", pier.ConfigPath);
        Assert.True(code == 0, stderr);
        var token = File.ReadAllText(Path.Combine(pier.StateDirectory, "admin.token")).Trim();
        Assert.Equal($"http://127.0.0.1:{adminPort}/#token={token}", url.Trim());
        var before = await WorkerPidsAsync(dir);
        Assert.Equal(2, before.Count);

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Context.NewPageAsync();
        await page.GotoAsync(url.Trim());
        foreach (var pid in before.Values)
            await page.Locator($"#workers tr[data-pid='{pid}'][data-state='ready']").WaitForAsync(new() { Timeout = 15_000 });
        // The token moved from the address bar into the page's storage.
        Assert.DoesNotContain(token, page.Url);
        Assert.Equal(token, await page.EvaluateAsync<string>("localStorage.getItem('pier.admin.token')"));

        using (var client = Loopback.Client(port))
            for (var i = 0; i < 20; i++)
                (await client.GetAsync("/")).EnsureSuccessStatusCode();
        var samples = await Counter(page, "samples");
        var redraws = await Counter(page, "redraws");
        await page.WaitForFunctionAsync("n => Number(document.body.dataset.samples) >= n", samples + 2, new() { Timeout = 15_000 });
        Assert.True(await Counter(page, "redraws") > redraws, "the charts were not redrawn with the new samples");
        Assert.Equal(3, await page.Locator(".uplot canvas").CountAsync());

        await page.ClickAsync("#reload");
        await page.Locator("#progress[data-ok]").WaitForAsync(new() { Timeout = 90_000 });
        var progress = await page.InnerTextAsync("#progress");
        Assert.Equal("true", await page.GetAttributeAsync("#progress", "data-ok"));
        Assert.True(progress.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 2, "no streamed progress shown: " + progress);
        Assert.Contains("ok", progress);

        var after = await WorkerPidsAsync(dir);
        Assert.Equal(2, after.Count);
        Assert.Empty(after.Values.Intersect(before.Values));
        foreach (var pid in after.Values)
            await page.Locator($"#workers tr[data-pid='{pid}']").WaitForAsync(new() { Timeout = 15_000 });
        await page.Locator("#events tbody tr").First.WaitForAsync(new() { Timeout = 15_000 });

        await page.ClickAsync("#workers button[data-target='web.1']");
        await page.Locator("#progress[data-ok='true']").WaitForAsync(new() { Timeout = 60_000 });
        Assert.Contains("web.1", await page.InnerTextAsync("#progress"));
        var restarted = await WorkerPidsAsync(dir);
        Assert.NotEqual(after["web.1"], restarted["web.1"]);
        Assert.Equal(after["web.2"], restarted["web.2"]);

        Directory.CreateDirectory(Artifacts);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "dashboard.png"), FullPage = true });
    }

    [Fact(Timeout = 120_000)]
    public async Task WithoutTheToken_ThePageIsServed_ButAsksForTheToken_AndTheApiRefuses()
    {
        using var dir = new TestDirectory();
        var adminPort = Loopback.FreePort();
        dir.Write("pier.yaml", Config(Loopback.FreePort(), adminPort));
        await using var pier = PierProcess.Start(dir);
        await pier.WaitForReadyAsync("web", 2);

        using var admin = Loopback.Client(adminPort);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await admin.GetAsync("/api/v1/status")).StatusCode);
        var script = await admin.GetAsync("/assets/uPlot.iife.min.js");
        Assert.Equal("text/javascript; charset=utf-8", script.Content.Headers.ContentType?.ToString());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await admin.GetAsync("/assets/../admin.token")).StatusCode);

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Context.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{adminPort}/");
        await page.Locator("#login").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 10_000 });
        Assert.True(await page.Locator("#main").IsHiddenAsync());

        await page.FillAsync("#token", File.ReadAllText(Path.Combine(pier.StateDirectory, "admin.token")).Trim());
        await page.ClickAsync("#login button");
        await page.Locator("#workers tr[data-worker='web.1']").WaitForAsync(new() { Timeout = 15_000 });
    }

    private static async Task<int> Counter(IPage page, string name) =>
        int.Parse(await page.EvaluateAsync<string>($"document.body.dataset.{name}"));

    /// <summary>Worker id → PID, as `pier status --json` tells them.</summary>
    private static async Task<Dictionary<string, int>> WorkerPidsAsync(TestDirectory dir)
    {
        var (code, stdout, stderr) = await PierCli.RunAsync(dir.Path, "status", "--json");
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.GetProperty("services")[0].GetProperty("workers").EnumerateArray()
            .ToDictionary(w => w.GetProperty("id").GetString()!, w => w.GetProperty("pid").GetInt32());
    }
}
