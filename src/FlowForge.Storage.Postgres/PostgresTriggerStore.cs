namespace FlowForge.Storage.Postgres;

/// <summary>The shared <see cref="TriggerStore"/> over PostgreSQL.</summary>
public sealed class PostgresTriggerStore(PostgresDatabase db, TimeProvider? timeProvider = null) : TriggerStore(db, timeProvider);
