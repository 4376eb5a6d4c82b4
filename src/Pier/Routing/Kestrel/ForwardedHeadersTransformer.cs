using Yarp.ReverseProxy.Forwarder;

namespace Pier.Routing.Kestrel;

/// <summary>
/// YARP's default request copy (the original Host header is kept, as Caddy does) plus the
/// X-Forwarded-For/Proto/Host headers. Pier is the edge, so values sent by the client are replaced,
/// never trusted.
/// </summary>
internal sealed class ForwardedHeadersTransformer : HttpTransformer
{
    public static readonly ForwardedHeadersTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var headers = proxyRequest.Headers;
        headers.Remove("X-Forwarded-For");
        headers.Remove("X-Forwarded-Proto");
        headers.Remove("X-Forwarded-Host");
        if (httpContext.Connection.RemoteIpAddress is { } client)
            headers.TryAddWithoutValidation("X-Forwarded-For", (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString());
        headers.TryAddWithoutValidation("X-Forwarded-Proto", httpContext.Request.Scheme);
        if (httpContext.Request.Host.HasValue)
            headers.TryAddWithoutValidation("X-Forwarded-Host", httpContext.Request.Host.Value);
    }
}
