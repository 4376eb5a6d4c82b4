namespace Pier.Kestrel;

/// <summary>
/// The one way Pier builds a Kestrel host (the front door's, the admin listener's, the control
/// socket's): the empty builder (no config files, no console lifetime) with Kestrel's core alone,
/// and a lifetime that leaves stopping to Pier.
/// </summary>
internal static class KestrelHost
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.WebHost.UseKestrelCore();
        return builder;
    }
}
