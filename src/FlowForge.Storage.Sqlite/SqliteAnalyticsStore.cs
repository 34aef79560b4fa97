namespace FlowForge.Storage.Sqlite;

/// <summary>The shared <see cref="AnalyticsStore"/> over SQLite.</summary>
public sealed class SqliteAnalyticsStore(SqliteDatabase db) : AnalyticsStore(db);
