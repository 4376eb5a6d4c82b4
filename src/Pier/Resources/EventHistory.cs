using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Pier.Resources;

/// <summary>
/// The event history: one SQLite file in the state directory, so it survives Pier restarts and
/// `pier events` reads it even when Pier is down. Writes go through a queue to one writer, so a
/// slow disk never holds up the supervisor.
/// </summary>
internal sealed class EventHistory : IAsyncDisposable
{
    public const string FileName = "events.db";

    /// <summary>Events older than this are pruned at start.</summary>
    private static readonly TimeSpan Keep = TimeSpan.FromDays(30);

    private readonly Channel<PierEvent> _queue = Channel.CreateUnbounded<PierEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly Task _writer;

    public EventHistory(string stateDirectory)
    {
        _connection = Open(stateDirectory);
        Execute("""
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS events (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                service TEXT,
                worker TEXT,
                message TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS events_at ON events (at);
            """);
        Execute($"DELETE FROM events WHERE at < '{Stamp(DateTimeOffset.UtcNow - Keep)}'");
        _writer = Task.Run(WriteAsync);
    }

    public void Record(string kind, string? service, string? worker, string message) =>
        _queue.Writer.TryWrite(new PierEvent(DateTimeOffset.UtcNow, kind, service, worker, message));

    private async Task WriteAsync()
    {
        while (await _queue.Reader.WaitToReadAsync())
        {
            try
            {
                WriteQueued();
            }
            catch (SqliteException)
            {
                // A full disk (SQLITE_FULL) or an I/O error loses this batch, which is rolled back whole;
                // the writer lives on and the next batch is written once the disk takes it again.
            }
        }
    }

    private void WriteQueued()
    {
        // Taken before the transaction begins, so every round uses up at least one event even when the disk refuses all.
        if (!_queue.Reader.TryRead(out var first))
            return;
        using var transaction = _connection.BeginTransaction();
        Insert(first);
        while (_queue.Reader.TryRead(out var item))
            Insert(item);
        transaction.Commit();
    }

    private void Insert(PierEvent item)
    {
        using var insert = _connection.CreateCommand();
        insert.CommandText = "INSERT INTO events (at, kind, service, worker, message) VALUES ($at, $kind, $service, $worker, $message)";
        insert.Parameters.AddWithValue("$at", Stamp(item.At));
        insert.Parameters.AddWithValue("$kind", item.Kind);
        insert.Parameters.AddWithValue("$service", (object?)item.Service ?? DBNull.Value);
        insert.Parameters.AddWithValue("$worker", (object?)item.Worker ?? DBNull.Value);
        insert.Parameters.AddWithValue("$message", item.Message);
        insert.ExecuteNonQuery();
    }

    /// <summary>Reads events, oldest first: the newest <paramref name="limit"/> since a time, for one service or all.</summary>
    public static IReadOnlyList<PierEvent> Read(string stateDirectory, DateTimeOffset? since, string? service, int limit)
    {
        if (!File.Exists(Path.Combine(stateDirectory, FileName)))
            return [];
        using var connection = Open(stateDirectory, readOnly: true);
        using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT at, kind, service, worker, message FROM events
            WHERE ($since IS NULL OR at >= $since) AND ($service IS NULL OR service = $service)
            ORDER BY id DESC LIMIT $limit
            """;
        query.Parameters.AddWithValue("$since", since is { } s ? Stamp(s) : DBNull.Value);
        query.Parameters.AddWithValue("$service", (object?)service ?? DBNull.Value);
        query.Parameters.AddWithValue("$limit", limit);
        var events = new List<PierEvent>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
            events.Add(new PierEvent(DateTimeOffset.Parse(reader.GetString(0)), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4)));
        events.Reverse();
        return events;
    }

    private static SqliteConnection Open(string stateDirectory, bool readOnly = false)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(stateDirectory, FileName),
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // Sortable text timestamps keep range queries simple and the file readable with the sqlite3 tool.
    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        await _connection.DisposeAsync();
    }
}
