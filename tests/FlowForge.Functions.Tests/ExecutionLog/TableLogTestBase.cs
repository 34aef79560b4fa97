using System.Text.Json.Nodes;
using Azure.Data.Tables;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Tests.Azurite;

namespace FlowForge.Functions.Tests.ExecutionLog;

/// <summary>
/// A Table log on Azurite with tables of its own (a fresh prefix per test), and the steps the conformance suite of the
/// server's stores takes, in the log's terms: a start is <see cref="IExecutionLog.CreateAsync"/>, a dispatcher's commit
/// is the orchestration's <see cref="IExecutionLog.AppendAsync"/>. Times are passed in, so no test waits for a clock.
/// </summary>
public abstract class TableLogTestBase(AzuriteFixture azurite) : IAsyncLifetime
{
    internal TableExecutionLog Log { get; private set; } = null!;

    protected string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..10];

    protected TableServiceClient Service { get; } = new(azurite.ConnectionString);

    /// <summary>A fixed starting instant with sub-millisecond ticks, so a store that rounds times is caught.</summary>
    protected static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567);

    public async Task InitializeAsync()
    {
        Log = new TableExecutionLog(Service, Prefix);
        await Log.EnsureCreatedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    protected static string NewId(string prefix) => $"{prefix}_{Guid.NewGuid():N}";

    protected static NewExecution NewExecution(string orgId, string? id = null, string workflowId = "wf_test", string? idempotencyKey = null, JsonNode? trigger = null) =>
        new(id ?? NewId("ex"), orgId, workflowId, 1, trigger ?? new JsonObject { ["n"] = 1 }, TriggerNodeId: "trigger", IdempotencyKey: idempotencyKey);

    internal async Task<string> StartNewAsync(string orgId, DateTimeOffset at, string workflowId = "wf_test", JsonNode? trigger = null)
    {
        var result = await Log.CreateAsync(NewExecution(orgId, workflowId: workflowId, trigger: trigger), at);
        Assert.False(result.Existing);
        return result.Execution.Id;
    }

    /// <summary>Creates the execution and records its first turn (ExecutionStarted), leaving it running at sequence 1.</summary>
    internal async Task<string> StartRunningAsync(string orgId, DateTimeOffset at, string workflowId = "wf_test")
    {
        var id = await StartNewAsync(orgId, at, workflowId);
        await Log.AppendAsync(id, 0, [new ExecutionStarted(workflowId, 1, null, "trigger") { Timestamp = at }], ExecutionStatus.Running, at);
        return id;
    }

    internal static WaitStarted Wait() => new("approve", "approve", "approval", "approval:approve:1", T0.AddDays(1));
}
