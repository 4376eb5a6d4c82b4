namespace Pier.Tests.EndToEnd;

/// <summary>Where the bundled example apps live in the checkout, and a published copy of the ASP.NET one.</summary>
internal static class Examples
{
    private static readonly Lazy<Task<string>> PublishedAspNet = new(PublishAspNetAsync);

    public static string Root { get; } = FindRoot();

    public static string FastApi => Path.Combine(Root, "examples", "fastapi");

    public static string AspNet => Path.Combine(Root, "examples", "hello-aspnet");

    /// <summary>The hello-aspnet app published once per test run; returns the path of HelloAspnet.dll.</summary>
    public static Task<string> AspNetDllAsync() => PublishedAspNet.Value;

    private static async Task<string> PublishAspNetAsync()
    {
        var output = Path.Combine(Path.GetTempPath(), $"pier-hello-aspnet-{Environment.ProcessId}");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", ["publish", Path.Combine(AspNet, "HelloAspnet.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "q"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"publishing hello-aspnet failed:\n{await stdout}\n{await stderr}");
        return Path.Combine(output, "HelloAspnet.dll");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pier.slnx")))
                return dir.FullName;
        throw new InvalidOperationException("cannot find the checkout (Pier.slnx) above " + AppContext.BaseDirectory);
    }
}
