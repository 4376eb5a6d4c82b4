using Npgsql;
using Pier.PreStart;

namespace Pier.Tests.PreStart;

public sealed class PostgresUrlTests
{
    [Fact]
    public void ToConnectionString_ReadsEveryPart()
    {
        var builder = new NpgsqlConnectionStringBuilder(
            PostgresUrl.ToConnectionString("postgres://app:p%40ss@db.internal:6543/shop?sslmode=require"));

        Assert.Equal("db.internal", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("app", builder.Username);
        Assert.Equal("p@ss", builder.Password);
        Assert.Equal("shop", builder.Database);
        Assert.Equal(SslMode.Require, builder.SslMode);
    }

    [Fact]
    public void ToConnectionString_DefaultsThePort()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresUrl.ToConnectionString("postgresql://app@127.0.0.1/shop"));

        Assert.Equal(5432, builder.Port);
        Assert.Null(builder.Password);
    }

    [Fact]
    public void Redact_LeavesThePasswordOut() =>
        Assert.Equal("postgres://app@db.internal:6543/shop", PostgresUrl.Redact("postgres://app:secret@db.internal:6543/shop"));

    [Fact]
    public void KeyFor_IsStablePerName()
    {
        Assert.Equal(PostgresStepLock.KeyFor("shop"), PostgresStepLock.KeyFor("shop"));
        Assert.NotEqual(PostgresStepLock.KeyFor("shop"), PostgresStepLock.KeyFor("blog"));
    }
}
