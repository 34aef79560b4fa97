namespace FlowForge.Storage.Sqlite;

/// <summary>The shared <see cref="SendLedger"/> over SQLite.</summary>
public sealed class SqliteSendLedger(SqliteDatabase db, TimeProvider? timeProvider = null) : SendLedger(db, timeProvider);

/// <summary>The shared <see cref="OutboxStore"/> over SQLite.</summary>
public sealed class SqliteOutboxStore(SqliteDatabase db) : OutboxStore(db);

/// <summary>The shared <see cref="CredentialStore"/> over SQLite.</summary>
public sealed class SqliteCredentialStore(SqliteDatabase db) : CredentialStore(db);
