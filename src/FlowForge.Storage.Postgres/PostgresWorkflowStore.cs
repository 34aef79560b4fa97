namespace FlowForge.Storage.Postgres;

/// <summary>The shared <see cref="WorkflowStore"/> over PostgreSQL.</summary>
public sealed class PostgresWorkflowStore(PostgresDatabase db, TimeProvider? timeProvider = null) : WorkflowStore(db, timeProvider);
