using FlowForge.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace FlowForge.Storage.Tests;

/// <summary>A SQLite database in a fresh temporary file, deleted (with its WAL files) on dispose.</summary>
public sealed class TempDatabase : IAsyncDisposable
{
    public TempDatabase()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"flowforge-store-{Guid.NewGuid():N}.db");
        // NORMAL: the tests need crash consistency at most, and fsync per commit only slows them down.
        Database = new SqliteDatabase($"Data Source={Path}", synchronous: "NORMAL");
    }

    public string Path { get; }

    public SqliteDatabase Database { get; }

    public static async Task<TempDatabase> CreateMigratedAsync()
    {
        var db = new TempDatabase();
        await db.Database.MigrateAsync();
        return db;
    }

    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them before deleting it.
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" })
        {
            try { File.Delete(file); }
            catch (IOException) { /* best effort: a temp file left behind harms nothing */ }
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>One migrated database shared by the tests of a class.</summary>
public sealed class SqliteDatabaseFixture : IAsyncLifetime
{
    private TempDatabase? _db;

    public SqliteDatabase Database => (_db ?? throw new InvalidOperationException("The fixture is not initialised.")).Database;

    public async Task InitializeAsync() => _db = await TempDatabase.CreateMigratedAsync();

    public async Task DisposeAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
    }
}
