namespace FlowForge.Storage.Sqlite;

/// <summary>The shared <see cref="WorkflowStore"/> over SQLite.</summary>
public sealed class SqliteWorkflowStore(SqliteDatabase db, TimeProvider? timeProvider = null) : WorkflowStore(db, timeProvider);
