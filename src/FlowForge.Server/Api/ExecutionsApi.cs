using System.Text.Json;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Core.Validation;
using FlowForge.Server.Auth;
using FlowForge.Server.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Api;

/// <summary>Starting, testing, inspecting and steering executions.</summary>
internal static class ExecutionsApi
{
    public const int MaxIdempotencyKeyLength = 200;

    public static RouteGroupBuilder MapExecutionsApi(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows/{id}").WithTags("Executions");
        workflows.MapPost("/execute", Execute).WithName("ExecuteWorkflow").WithSummary("Start an execution of the published version (Idempotency-Key)")
            .AcceptsJson<ExecuteBody>(optional: true).Problems(404, 409);
        workflows.MapPost("/test", Test).WithName("TestWorkflow").WithSummary("Run the draft as a test, side effects previewed")
            .AcceptsJson<TestBody>(optional: true).Problems(404);
        workflows.MapGet("/executions", List).WithName("ListExecutions").WithSummary("List a workflow's executions").Problems(400, 404, 422);

        var executions = api.MapGroup("/executions").WithTags("Executions");
        executions.MapGet("", ExecutionListApi.Search).WithName("SearchExecutions")
            .WithSummary("List the organisation's executions across workflows, newest first, by cursor (status, workflowId, from, to, q)").Problems(400, 422);
        executions.MapGet("/{id}", Get).WithName("GetExecution").WithSummary("Get an execution with its steps").Problems(404, 422);
        executions.MapGet("/{id}/history", History).WithName("GetExecutionHistory").WithSummary("An execution's event history").Problems(404, 422);
        executions.MapPost("/{id}/cancel", Cancel).WithName("CancelExecution").WithSummary("Cancel a running execution")
            .AcceptsJson<CancelBody>(optional: true).Problems(404, 409, 422);
        executions.MapPost("/{id}/events/{name}", RaiseEvent).WithName("RaiseExecutionEvent").WithSummary("Send a named event (e.g. an approval) to an execution")
            .AcceptsJson<EventBody>(optional: true).Problems(404, 409, 422);
        executions.MapPost("/{id}/retry", Retry).WithName("RetryExecution").WithSummary("Start a new execution with the same input").Problems(404, 409, 422);
        executions.MapPost("/{id}/resume", Resume).WithName("ResumeExecution").WithSummary("Resume a failed execution from the failed step").Problems(404, 409, 422);
        executions.MapDelete("/{id}", Purge).WithName("PurgeExecution").WithSummary("Delete a finished execution and its history").Problems(404, 409, 422);
        return api;
    }

    public static async Task<Results<Accepted<ExecuteResponse>, ProblemHttpResult>> Execute(
        HttpContext http, ExecutionStarter starter, IOptions<JsonOptions> json, string id, CancellationToken ct)
    {
        var body = new ExecuteBody();
        if (JsonBody.IsPresent(http.Request))
        {
            var (parsed, problem) = await JsonBody.ReadAsync<ExecuteBody>(http.Request, json.Value.SerializerOptions, ct);
            if (problem is not null) return problem;
            body = parsed!;
        }
        var key = http.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > MaxIdempotencyKeyLength) return Problems.BadRequest($"The Idempotency-Key header is longer than {MaxIdempotencyKeyLength} characters.");

        var outcome = await starter.StartAsync(http.User.OrgId(), id, body.TriggerData, string.IsNullOrEmpty(key) ? null : key, body.TriggerNodeId, ct: ct);
        switch (outcome.Status)
        {
            case StartStatus.WorkflowNotFound:
                return Problems.NotFound("Workflow", id);
            case StartStatus.QuotaExceeded:
                return QuotaProblem.TooManyStarts(http.Response, outcome.Refusal!);
            case StartStatus.NotPublished:
                return Problems.Conflict("not-published", $"Workflow '{id}' has no published version: publish it first (POST /api/workflows/{id}/publish), or try the draft with POST /api/workflows/{id}/test.");
            default:
                if (outcome.Status == StartStatus.Existing) http.Response.Headers["Idempotent-Replayed"] = "true";
                var execution = outcome.Execution!;
                return TypedResults.Accepted($"/api/executions/{execution.Id}", ExecuteResponse.From(execution));
        }
    }

    public static async Task<Results<Ok<TestResponse>, ProblemHttpResult>> Test(
        HttpContext http, IWorkflowStore workflows, TestRunner runner, NodeCatalog catalog, IOptions<JsonOptions> json, string id, CancellationToken ct)
    {
        var body = new TestBody();
        if (JsonBody.IsPresent(http.Request))
        {
            var (parsed, problem) = await JsonBody.ReadAsync<TestBody>(http.Request, json.Value.SerializerOptions, ct);
            if (problem is not null) return problem;
            body = parsed!;
        }
        var orgId = http.User.OrgId();
        var workflow = await workflows.GetAsync(orgId, id, ct);
        if (workflow is null) return Problems.NotFound("Workflow", id);
        var validation = WorkflowValidation.Validate(workflow.Definition.Graph, catalog);
        if (!validation.Valid) return WorkflowsApi.ValidationProblem(validation, "The draft is not valid, so it cannot be test-run.");
        if (body.TriggerNodeId is { } trigger && !workflow.Definition.Graph.Nodes.Any(n => n.Id == trigger && NodeTypeNames.IsTrigger(n.Type)))
        {
            // Unlike execute (whose trigger ids come from the server's own hooks), a test names it by hand: a typo would
            // otherwise run nothing and look like a workflow that does nothing.
            return Problems.BadRequest($"'{trigger}' is not a trigger step of this workflow: name one of its trigger steps in triggerNodeId, or leave it out to start from the first.");
        }
        var result = await runner.RunAsync(orgId, id, workflow.Definition.Graph, body.TestData, body.Live, body.Events, ct, body.TriggerNodeId);
        return TypedResults.Ok(new TestResponse(id, body.TestData, result.Status, result.Steps, result.FinalOutput, result.Error, result.TotalDuration));
    }

    public static async Task<Results<Ok<ExecutionList>, ProblemHttpResult>> List(
        HttpContext http, IWorkflowStore workflows, IExecutionClientStore store, IOptions<EngineOptions> engine, TimeProvider clock,
        string id, string? status, string? dateRange, string? page, string? limit, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        if (status is not null && !ExecutionStatus.All.Contains(status))
        {
            return Problems.BadRequest($"Unknown status '{status}': use one of {string.Join(", ", ExecutionStatus.All)}.");
        }
        TimeSpan? range = dateRange switch
        {
            null or "" => null,
            "24h" => TimeSpan.FromHours(24),
            "7d" => TimeSpan.FromDays(7),
            "30d" => TimeSpan.FromDays(30),
            _ => TimeSpan.MinValue,
        };
        if (range == TimeSpan.MinValue) return Problems.BadRequest($"Unknown dateRange '{dateRange}': use 24h, 7d or 30d.");
        var paging = Paging.Parse(page, limit);
        if (paging.Problem is not null) return paging.Problem;
        // A deleted workflow's executions stay readable by id, but its list is gone with it.
        if (await workflows.GetAsync(orgId, id, ct) is null) return Problems.NotFound("Workflow", id);

        var now = clock.GetUtcNow();
        Page<ExecutionRecord> result;
        try
        {
            result = await store.ListAsync(orgId, new ExecutionQuery(id, status, range is { } r ? now - r : null, paging.Page, paging.Limit), ct);
        }
        catch (Exception e) when (UnreadableStoredData.IsUnreadable(e))
        {
            return UnreadableStoredData.Problem($"The executions of workflow '{id}'", e);
        }
        // The cursor after this page lets a client go on by keyset with GET /api/executions?workflowId=…, which stays fast deep down.
        var next = (long)paging.Page * paging.Limit < result.Total && result.Items.Count > 0
            ? CursorToken.Encode(new ExecutionCursor(result.Items[^1].CreatedAt, result.Items[^1].Id)) : null;
        return TypedResults.Ok(new ExecutionList(
            [.. result.Items.Select(e => ExecutionSummary.From(e, engine.Value.IsStuck(e, now)))],
            result.Total, paging.Page, paging.Limit, Paging.Pages(result.Total, paging.Limit), next));
    }

    public static async Task<Results<Ok<ExecutionDetail>, ProblemHttpResult>> Get(
        HttpContext http, IExecutionClientStore store, GraphCache graphs, NodeCatalog catalog, IOptions<EngineOptions> engine, TimeProvider clock,
        string id, CancellationToken ct)
    {
        try
        {
            var execution = await store.GetAsync(http.User.OrgId(), id, ct);
            if (execution is null) return Problems.NotFound("Execution", id);
            var history = await store.GetHistoryAsync(id, 0, ct);
            var state = ExecutionState.Replay(id, history);
            IReadOnlyList<SkippedStep> skipped = [];
            // Projected before the walk below, which may fill the state's caches (it never changes a step's status).
            var logs = ExecutionLogs.Project(state, catalog);
            if (await graphs.GetAsync(execution.OrgId, execution.WorkflowId, execution.Version, ct) is { } graph)
            {
                skipped = [.. Decider.SkippedSteps(graph, state).Select(s => new SkippedStep(s.StepKey, s.NodeId))];
            }
            return TypedResults.Ok(Detail(execution, logs, skipped, history.Count, engine.Value.IsStuck(execution, clock.GetUtcNow())));
        }
        catch (Exception e) when (UnreadableStoredData.IsUnreadable(e))
        {
            return UnreadableStoredData.Problem($"Execution '{id}'", e);
        }
    }

    private static ExecutionDetail Detail(ExecutionRecord execution, IReadOnlyList<StepLog> logs, IReadOnlyList<SkippedStep> skipped, int sequence, bool stuck) =>
        new(
            execution.Id, execution.WorkflowId, execution.Version, execution.Status, execution.CreatedAt, execution.CompletedAt,
            ExecutionSummary.Duration(execution), execution.TriggerData, execution.Output, execution.Error,
            stuck, execution.RetryOf, execution.ParentExecutionId, execution.UpdatedAt,
            logs, skipped, sequence, ExecuteResponse.LinksFor(execution.Id));

    public static async Task<Results<Ok<HistoryResponse>, ProblemHttpResult>> History(HttpContext http, IExecutionClientStore store, string id, CancellationToken ct)
    {
        IReadOnlyList<HistoryEvent> history;
        try
        {
            var execution = await store.GetAsync(http.User.OrgId(), id, ct);
            if (execution is null) return Problems.NotFound("Execution", id);
            history = await store.GetHistoryAsync(id, 0, ct);
        }
        catch (Exception e) when (UnreadableStoredData.IsUnreadable(e))
        {
            return UnreadableStoredData.Problem($"Execution '{id}'", e);
        }
        var events = history.Select((e, i) =>
        {
            var node = JsonSerializer.SerializeToNode(e, JsonDefaults.Options)!;
            node["sequence"] = i + 1;
            return (System.Text.Json.Nodes.JsonNode?)node;
        }).ToList();
        return TypedResults.Ok(new HistoryResponse(id, events));
    }

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> Cancel(
        HttpContext http, IExecutionClientStore store, EngineSignals signals, IOptions<JsonOptions> json, TimeProvider clock, string id, CancellationToken ct)
    {
        string? reason = null;
        if (JsonBody.IsPresent(http.Request))
        {
            var (body, problem) = await JsonBody.ReadAsync<CancelBody>(http.Request, json.Value.SerializerOptions, ct);
            if (problem is not null) return problem;
            reason = body!.Reason;
        }
        return await SendAsync(http, store, signals, clock, id, new CancelRequested(reason), "cancelling", "Cancellation requested; the execution stops at its next step boundary.", ct);
    }

    /// <summary>
    /// Delivers an external event. An event no step waits for yet is kept (the design: an approval may be answered before
    /// the run reaches it) and the answer says so, with <c>waiting: false</c> and the events steps wait for now, so a
    /// misspelt event name does not pass for a delivered one.
    /// </summary>
    public static async Task<Results<Accepted<EventAcceptedResponse>, ProblemHttpResult>> RaiseEvent(
        HttpContext http, IExecutionClientStore store, EngineSignals signals, IOptions<JsonOptions> json, TimeProvider clock, string id, string name, CancellationToken ct)
    {
        if (name.Length is 0 or > 100) return Problems.BadRequest("An event name has 1 to 100 characters.");
        if (SafeText.Problem(name) is { } badName) return Problems.BadRequest($"The event name {badName}.");
        System.Text.Json.Nodes.JsonNode? payload = null;
        if (JsonBody.IsPresent(http.Request))
        {
            var (body, problem) = await JsonBody.ReadAsync<EventBody>(http.Request, json.Value.SerializerOptions, ct);
            if (problem is not null) return problem;
            payload = body!.Payload;
        }
        var orgId = http.User.OrgId();
        // Only the events that open and close waits are read, not every step's output: raising an event stays cheap
        // however long the history (an execution looping over thousands of items).
        var (awaited, unreadable) = await UnreadableStoredData.ReadAsync($"Execution '{id}'", async () =>
            await store.GetAsync(orgId, id, ct) is null
                ? null
                : ExecutionState.AwaitedEvents(id, await store.GetHistoryOfTypesAsync(id, ExecutionState.WaitEventTypes, ct)));
        if (unreadable is not null) return unreadable;
        if (awaited is null) return Problems.NotFound("Execution", id);
        var waiting = awaited.Contains(name, StringComparer.Ordinal);

        var now = clock.GetUtcNow();
        if (!await store.SendAsync(orgId, id, new EventRaised(name, payload) { Timestamp = now }, now, ct: ct))
        {
            var execution = await store.GetAsync(orgId, id, ct);
            return execution is null
                ? Problems.NotFound("Execution", id)
                : Problems.Conflict("execution-finished", $"Execution '{id}' is already {execution.Status}.");
        }
        signals.WakeDispatcher();
        var detail = waiting
            ? $"Event '{name}' delivered to the step waiting for it."
            : $"No step is waiting for event '{name}' now; it is kept and goes to the first step that waits for it. "
              + (awaited.Count == 0 ? "No step waits for any event at the moment." : $"Steps wait now for: {string.Join(", ", awaited.Select(a => $"'{a}'"))}.");
        return TypedResults.Accepted($"/api/executions/{id}", new EventAcceptedResponse(id, "accepted", detail, waiting));
    }

    public static async Task<Results<Accepted<ExecuteResponse>, ProblemHttpResult>> Retry(
        HttpContext http, IExecutionClientStore store, IWorkflowStore workflows, ExecutionStarter starter, string id, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        var (original, unreadable) = await UnreadableStoredData.ReadAsync($"Execution '{id}'", () => store.GetAsync(orgId, id, ct));
        if (unreadable is not null) return unreadable;
        if (original is null) return Problems.NotFound("Execution", id);
        if (!ExecutionStatus.IsTerminal(original.Status))
        {
            return Problems.Conflict("execution-not-finished", $"Execution '{id}' is {original.Status}; only a finished execution can be retried.");
        }
        // The retry runs what is published now (the fix a user just published), or the original version if nothing is.
        var workflow = await workflows.GetAsync(orgId, original.WorkflowId, ct);
        var version = workflow?.PublishedVersion ?? original.Version;
        var outcome = await starter.StartAsync(orgId, original.WorkflowId, original.TriggerData, retryOf: original.Id, version: version, ct: ct);
        if (outcome.Status == StartStatus.WorkflowNotFound) return Problems.NotFound("Workflow", original.WorkflowId);
        if (outcome.Status == StartStatus.QuotaExceeded) return QuotaProblem.TooManyStarts(http.Response, outcome.Refusal!);
        var execution = outcome.Execution!;
        return TypedResults.Accepted($"/api/executions/{execution.Id}", ExecuteResponse.From(execution));
    }

    public static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> Resume(
        HttpContext http, IExecutionClientStore store, EngineSignals signals, TimeProvider clock, string id, CancellationToken ct)
    {
        var (execution, unreadable) = await UnreadableStoredData.ReadAsync($"Execution '{id}'", () => store.GetAsync(http.User.OrgId(), id, ct));
        if (unreadable is not null) return unreadable;
        if (execution is null) return Problems.NotFound("Execution", id);
        if (execution.Status != ExecutionStatus.Failed)
        {
            return Problems.Conflict("execution-not-failed", $"Execution '{id}' is {execution.Status}; only a failed execution can be resumed.");
        }
        await store.SendAsync(execution.OrgId, id, new ExecutionResumed { Timestamp = clock.GetUtcNow() }, clock.GetUtcNow(), allowTerminal: true, ct);
        signals.WakeDispatcher();
        return TypedResults.Accepted($"/api/executions/{id}", new AcceptedResponse(id, "resuming", "The execution continues from the step that failed it."));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Purge(HttpContext http, IExecutionClientStore store, string id, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        var (execution, unreadable) = await UnreadableStoredData.ReadAsync($"Execution '{id}'", () => store.GetAsync(orgId, id, ct));
        if (unreadable is not null) return unreadable;
        if (execution is null) return Problems.NotFound("Execution", id);
        if (!ExecutionStatus.IsTerminal(execution.Status))
        {
            return Problems.Conflict("execution-not-finished", $"Execution '{id}' is {execution.Status}; cancel it before deleting it.");
        }
        return await store.PurgeAsync(orgId, id, ct) ? TypedResults.NoContent() : Problems.NotFound("Execution", id);
    }

    private static async Task<Results<Accepted<AcceptedResponse>, ProblemHttpResult>> SendAsync(
        HttpContext http, IExecutionClientStore store, EngineSignals signals, TimeProvider clock, string id, HistoryEvent message, string status, string detail, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        var now = clock.GetUtcNow();
        if (await store.SendAsync(orgId, id, message with { Timestamp = now }, now, ct: ct))
        {
            signals.WakeDispatcher();
            return TypedResults.Accepted($"/api/executions/{id}", new AcceptedResponse(id, status, detail));
        }
        var execution = await store.GetAsync(orgId, id, ct);
        return execution is null
            ? Problems.NotFound("Execution", id)
            : Problems.Conflict("execution-finished", $"Execution '{id}' is already {execution.Status}.");
    }
}
