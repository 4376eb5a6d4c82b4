using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Pier.PreStart;

/// <summary>
/// The before-steps lock shared by several servers: a PostgreSQL session advisory lock on the
/// database the app migrates, keyed by the config's name. It is held by one open connection and
/// dropped by the server when that connection ends, so a killed Pier never leaves it stuck.
/// </summary>
internal sealed class PostgresStepLock : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly NpgsqlConnection _connection;
    private readonly long _key;

    private PostgresStepLock(NpgsqlConnection connection, long key)
    {
        _connection = connection;
        _key = key;
    }

    /// <summary>The advisory lock key for a config name: the same on every server running that config.</summary>
    public static long KeyFor(string name) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("pier before steps: " + name)));

    /// <summary>Takes the lock, reporting once that it waits; throws TimeoutException after <paramref name="timeout"/>.</summary>
    /// <exception cref="PostgresException">The database refused us.</exception>
    /// <exception cref="NpgsqlException">The database could not be reached.</exception>
    public static async Task<PostgresStepLock> AcquireAsync(string url, string name, TimeSpan timeout, Action<string> progress, CancellationToken cancellation)
    {
        var connection = new NpgsqlConnection(PostgresUrl.ToConnectionString(url));
        try
        {
            await connection.OpenAsync(cancellation);
            var key = KeyFor(name);
            var waited = Stopwatch.StartNew();
            var told = false;
            while (!await TryLockAsync(connection, key, cancellation))
            {
                if (waited.Elapsed >= timeout)
                    throw new TimeoutException($"the before-steps lock in {PostgresUrl.Redact(url)} (advisory lock {key}) is still held after {timeout.TotalSeconds:0}s; another server is running the steps");
                if (!told)
                {
                    progress($"before steps: waiting for the advisory lock {key} in {PostgresUrl.Redact(url)}, held by another Pier");
                    told = true;
                }
                await Task.Delay(Poll, cancellation);
            }
            if (told)
                progress($"before steps: got the lock after {waited.Elapsed.TotalSeconds:0.0}s");
            return new PostgresStepLock(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, long key, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", key);
        return (bool)(await command.ExecuteScalarAsync(cancellation))!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", _connection);
            command.Parameters.AddWithValue("key", _key);
            await command.ExecuteScalarAsync();
        }
        catch (NpgsqlException)
        {
            // The connection is gone, and with it the lock.
        }
        await _connection.DisposeAsync();
    }
}
