namespace FlowForge.Storage.Sqlite;

/// <summary>The shared <see cref="TriggerStore"/> over SQLite.</summary>
public sealed class SqliteTriggerStore(SqliteDatabase db, TimeProvider? timeProvider = null) : TriggerStore(db, timeProvider);
