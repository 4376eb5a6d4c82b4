using Npgsql;

namespace Pier.PreStart;

/// <summary>Turns the <c>postgres://user:password@host:port/database?sslmode=…</c> form operators write into an Npgsql connection string.</summary>
internal static class PostgresUrl
{
    public static string ToConnectionString(string url)
    {
        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } database ? database : null,
            ApplicationName = "pier",
            Timeout = 10,
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
                builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) switch
            {
                [var k, var v] => (Uri.UnescapeDataString(k), Uri.UnescapeDataString(v)),
                [var k] => (Uri.UnescapeDataString(k), ""),
                _ => ("", ""),
            };
            if (key == "sslmode")
                builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", ""), ignoreCase: true);
        }
        return builder.ConnectionString;
    }

    /// <summary>The URL without its password, for messages.</summary>
    public static string Redact(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2)[0];
        return $"{uri.Scheme}://{(user.Length > 0 ? user + "@" : "")}{uri.Authority}{uri.AbsolutePath}";
    }
}
