namespace FlowForge.Storage.Postgres;

/// <summary>The shared <see cref="AnalyticsStore"/> over PostgreSQL.</summary>
public sealed class PostgresAnalyticsStore(PostgresDatabase db) : AnalyticsStore(db);
