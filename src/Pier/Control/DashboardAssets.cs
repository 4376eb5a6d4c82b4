namespace Pier.Control;

/// <summary>
/// The dashboard: one page and its scripts, embedded in pier (Control/Dashboard/), served at / and
/// /assets/… without the token. The page itself holds no data; it reads /api/v1/… with the token
/// the operator gives it. The chart library, uPlot 1.6.32 (MIT, its licence beside it), is the
/// npm package's dist file committed as is, so a clean checkout builds without npm.
/// </summary>
internal static class DashboardAssets
{
    private const string ResourcePrefix = "dashboard/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    /// <summary>Answers GET / and GET /assets/NAME for an embedded file; false for any other request.</summary>
    public static bool TryServe(HttpContext context, string path, out Task served)
    {
        served = Task.CompletedTask;
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            return false;
        var name = path switch
        {
            "/" or "/index.html" => "index.html",
            _ when path.StartsWith("/assets/", StringComparison.Ordinal) => path["/assets/".Length..],
            _ => null,
        };
        if (name is null || name.Contains('/') || !ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType))
            return false;
        var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(ResourcePrefix + name);
        if (stream is null)
            return false;
        served = SendAsync(context, stream, contentType);
        return true;
    }

    private static async Task SendAsync(HttpContext context, Stream stream, string contentType)
    {
        await using var _ = stream;
        var headers = context.Response.Headers;
        headers.ContentType = contentType;
        // Same-origin scripts only, and no framing: a page that holds the admin token must not be
        // scriptable by anything else. uPlot sets inline styles, hence 'unsafe-inline' for styles.
        headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        context.Response.ContentLength = stream.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
