namespace FlowForge.Storage.Sqlite;

/// <summary>The shared <see cref="TenantStore"/> over SQLite.</summary>
public sealed class SqliteTenantStore(SqliteDatabase db, TimeProvider? timeProvider = null) : TenantStore(db, timeProvider);
