using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Live;
using FlowForge.Functions.Orchestration;
using FlowForge.Functions.Tests.Azurite;
using FlowForge.Server.Hosting;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>
/// The orchestration on the in-process Durable Task backend (real replay), with the server's real services as the Functions
/// host registers them (SQLite workflow store in a temporary folder, node handlers, egress policy allowing loopback), an
/// HTTP provider stand-in on loopback (the server tests' <see cref="FakeService"/>), the execution log on Table storage (its own Azurite) and a recording progress
/// publisher. One per test collection.
/// </summary>
public sealed class OrchestrationHost : IAsyncLifetime
{
    public const string Org = "org_orch";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"flowforge-orch-{Guid.NewGuid():N}");
    private ServiceProvider? _services;
    private DurableTaskTestHost? _durable;

    internal FakeService Provider { get; private set; } = null!;

    private readonly AzuriteFixture _azurite = new();

    internal RecordingExecutionLog Log { get; private set; } = null!;

    internal RecordingPublisher Publisher { get; } = new();

    internal IServiceProvider Services => _services!;

    public DurableTaskClient Client => _durable!.Client;

    public async Task InitializeAsync()
    {
        // The sidecar logs every work item at Information.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        Directory.CreateDirectory(_folder);
        await _azurite.InitializeAsync();
        Log = new RecordingExecutionLog(new TableExecutionLog(new TableServiceClient(_azurite.ConnectionString), "orch" + Guid.NewGuid().ToString("N")[..8]));
        await Log.EnsureCreatedAsync();
        Provider = await FakeService.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "sqlite",
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_folder, "flowforge.db")}",
            ["DataProtection:KeyPath"] = Path.Combine(_folder, "keys"),
            // The provider stand-in listens on loopback.
            ["Egress:AllowPrivateNetworks"] = "true",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddFlowForgeEndpointServices(configuration, loops: false);
        services.AddSingleton<IExecutionLog>(Log);
        services.AddSingleton<IProgressPublisher>(Publisher);
        services.AddFlowForgeOrchestration();
        _services = services.BuildServiceProvider();
        await _services.GetRequiredService<ISchemaMigrator>().MigrateAsync(CancellationToken.None);
        await _services.GetRequiredService<ITenantStore>().EnsureOrganizationAsync(Org, "Orchestration tests");

        var activities = _services.GetRequiredService<OrchestrationActivities>();
        _durable = await DurableTaskTestHost.StartAsync(r =>
        {
            // The same names and code as the Functions bindings (WorkflowFunctions).
            // Names as TaskName values: Microsoft.DurableTask.Analyzers 0.2.0 crashes (AD0001) reading a constant from another assembly.
            r.AddOrchestratorFunc<WorkflowRunInput, RunOutcome>(new TaskName(OrchestrationNames.RunWorkflow), (context, input) => WorkflowOrchestration.RunAsync(context, input!));
            r.AddActivityFunc<WorkflowRunInput, LoadedWorkflow>(new TaskName(OrchestrationNames.LoadWorkflow), (_, input) => activities.LoadWorkflowAsync(input!));
            r.AddActivityFunc<ActivityRequest, StepResult>(new TaskName(OrchestrationNames.RunNode), (_, request) => activities.RunNodeAsync(request!));
            r.AddActivityFunc<TurnRecord>(new TaskName(OrchestrationNames.RecordTurn), (_, turn) => activities.RecordTurnAsync(turn!));
        }, new DurableTaskTestHostOptions { Port = FreePort() });
    }

    /// <summary>Saves and publishes a workflow (JSON in the canvas shape; edges without ids get one); returns its id and version.</summary>
    public async Task<(string Id, int Version)> PublishAsync(string json)
    {
        var body = JsonNode.Parse(json)!.AsObject();
        var n = 0;
        foreach (var edge in body["edges"]?.AsArray() ?? []) edge!["id"] ??= $"e{++n}";
        foreach (var node in body["nodes"]!.AsArray()) node!["config"] ??= new JsonObject();
        var definition = new WorkflowDefinition((string)body["name"]!, null, new WorkflowGraph(
            body["nodes"].Deserialize<List<NodeDefinition>>(JsonDefaults.Options)!,
            (body["edges"] ?? new JsonArray()).Deserialize<List<EdgeDefinition>>(JsonDefaults.Options)!), null);
        var workflows = Services.GetRequiredService<IWorkflowStore>();
        var created = await workflows.CreateAsync(Org, definition);
        var (_, published) = await workflows.PublishAsync(Org, created.Id, created.Revision);
        return (created.Id, published!.PublishedVersion!.Value);
    }

    /// <summary>Starts an execution as the client store does: its log row, then its orchestration (instance id = execution id).</summary>
    public async Task<string> StartAsync((string Id, int Version) workflow, object? trigger = null)
    {
        var id = "ex_" + Guid.NewGuid().ToString("N");
        var execution = new NewExecution(id, Org, workflow.Id, workflow.Version, trigger is null ? new JsonObject() : JsonSerializer.SerializeToNode(trigger));
        await Log.CreateAsync(execution, DateTimeOffset.UtcNow);
        await Client.ScheduleNewOrchestrationInstanceAsync(OrchestrationNames.RunWorkflow, new WorkflowRunInput(execution), new StartOrchestrationOptions { InstanceId = id });
        return id;
    }

    /// <summary>Waits for the orchestration to finish; returns its outcome and the execution's log row and history.</summary>
    internal async Task<Finished> WaitAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        OrchestrationMetadata instance;
        try
        {
            instance = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Say where it stopped: the instance's state and the log's history.
            var state = await Client.GetInstanceAsync(id, getInputsAndOutputs: true);
            var history = await Log.GetHistoryAsync(id);
            throw new TimeoutException($"Execution {id} did not finish: instance {state?.RuntimeStatus} {state?.FailureDetails?.ErrorMessage}; history "
                + string.Join(", ", history.Select(e => e.GetType().Name)));
        }
        var record = await Log.GetForHostAsync(id);
        return new Finished(instance, instance.ReadOutputAs<RunOutcome>(), record!, await Log.GetHistoryAsync(id));
    }

    /// <summary>Waits until the execution's log shows <paramref name="condition"/> (a positive signal, polled).</summary>
    internal async Task<IReadOnlyList<HistoryEvent>> WaitForHistoryAsync(string id, Func<IReadOnlyList<HistoryEvent>, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var history = await Log.GetHistoryAsync(id);
            if (condition(history)) return history;
            await Task.Delay(25, timeout.Token);
        }
    }

    /// <summary>Waits until the execution's log row shows <paramref name="condition"/> (a positive signal, polled).</summary>
    internal async Task<ExecutionRecord> WaitForRowAsync(string id, Func<ExecutionRecord, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await Log.GetForHostAsync(id) is { } row && condition(row)) return row;
            await Task.Delay(10, timeout.Token);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (_durable is not null) await _durable.DisposeAsync();
        if (_services is not null) await _services.DisposeAsync();
        await Provider.DisposeAsync();
        await _azurite.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // SQLite's pool may still hold the file on some platforms; the temp folder is cleaned by the OS.
        }
    }
}

/// <summary>A finished execution: Durable's view (instance, outcome) and the log's (row, history).</summary>
internal sealed record Finished(OrchestrationMetadata Instance, RunOutcome? Outcome, ExecutionRecord Record, IReadOnlyList<HistoryEvent> History)
{
    public IEnumerable<StepCompleted> Completed => History.OfType<StepCompleted>();

    public StepCompleted Step(string nodeId) => Completed.Last(c => c.NodeId == nodeId);

    public bool Ran(string nodeId) => History.Any(e => e is StepCompleted c && c.NodeId == nodeId || e is StepScheduled s && s.NodeId == nodeId);

    public JsonNode? Output => Record.Output;
}

/// <summary>The progress the RecordTurn activity published, per execution.</summary>
internal sealed class RecordingPublisher : IProgressPublisher
{
    public ConcurrentDictionary<string, ConcurrentQueue<(long AfterSequence, int Count, string Status)>> Published { get; } = new();

    public Task PublishAsync(ExecutionRecord execution, long afterSequence, IReadOnlyList<HistoryEvent> events, CancellationToken ct = default)
    {
        Published.GetOrAdd(execution.Id, _ => new()).Enqueue((afterSequence, events.Count, execution.Status));
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class OrchestrationCollection : ICollectionFixture<OrchestrationHost>
{
    public const string Name = "Orchestration";
}
