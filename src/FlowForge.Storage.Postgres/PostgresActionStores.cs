namespace FlowForge.Storage.Postgres;

/// <summary>The shared <see cref="SendLedger"/> over PostgreSQL.</summary>
public sealed class PostgresSendLedger(PostgresDatabase db, TimeProvider? timeProvider = null) : SendLedger(db, timeProvider);

/// <summary>The shared <see cref="OutboxStore"/> over PostgreSQL.</summary>
public sealed class PostgresOutboxStore(PostgresDatabase db) : OutboxStore(db);

/// <summary>The shared <see cref="CredentialStore"/> over PostgreSQL.</summary>
public sealed class PostgresCredentialStore(PostgresDatabase db) : CredentialStore(db);
