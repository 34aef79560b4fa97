namespace FlowForge.Storage.Postgres;

/// <summary>The shared <see cref="TenantStore"/> over PostgreSQL.</summary>
public sealed class PostgresTenantStore(PostgresDatabase db, TimeProvider? timeProvider = null) : TenantStore(db, timeProvider);
