namespace FlowForge.Server.Tests.Engine;

/// <summary>The execution semantics on SQLite, the default backend.</summary>
public sealed class SqliteExecutionSemanticsTests(EngineFixture server) : ExecutionSemanticsSuite<EngineFixture>(server);
