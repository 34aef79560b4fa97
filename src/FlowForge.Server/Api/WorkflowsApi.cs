using System.Globalization;
using FlowForge.Core.Catalog;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Core.Validation;
using FlowForge.Server.Auth;
using FlowForge.Server.Publishing;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FlowForge.Server.Api;

/// <summary>Workflow definitions: CRUD with optimistic concurrency, validation, publishing and versions.</summary>
internal static class WorkflowsApi
{
    public static RouteGroupBuilder MapWorkflowsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/workflows").WithTags("Workflows");
        group.MapPost("/", Create).WithName("CreateWorkflow").WithSummary("Create a draft workflow").AcceptsJson<WorkflowBody>();
        group.MapGet("/", List).WithName("ListWorkflows").WithSummary("List workflows (search, status, paging)").Problems(400);
        group.MapGet("/{id}", Get).WithName("GetWorkflow").WithSummary("Get a workflow, its triggers and its ETag").Problems(404);
        group.MapPut("/{id}", Update).WithName("UpdateWorkflow").WithSummary("Replace a workflow's draft (If-Match or revision)")
            .AcceptsJson<WorkflowBody>().Problems(404, 409, 412, 428);
        group.MapDelete("/{id}", Delete).WithName("DeleteWorkflow").WithSummary("Delete a workflow").Problems(404);
        group.MapPost("/{id}/validate", Validate).WithName("ValidateWorkflow").WithSummary("Validate the draft graph").Problems(400, 404);
        group.MapPost("/{id}/publish", Publish).WithName("PublishWorkflow").WithSummary("Publish the draft as a new version").Problems(400, 404, 409);
        group.MapPost("/{id}/unpublish", Unpublish).WithName("UnpublishWorkflow").WithSummary("Unpublish (its triggers stop)").Problems(404);
        group.MapGet("/{id}/versions", ListVersions).WithName("ListWorkflowVersions").WithSummary("List published versions").Problems(404);
        group.MapGet("/{id}/versions/{version:int}", GetVersion).WithName("GetWorkflowVersion").WithSummary("Get one published version").Problems(404);
        return api;
    }

    public static async Task<Results<Created<WorkflowResponse>, ProblemHttpResult>> Create(
        HttpContext http, IWorkflowStore store, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<WorkflowBody>(http.Request, json.Value.SerializerOptions, ct);
        if (problem is not null) return problem;
        var (definition, errors) = WorkflowBodyMapper.ToDefinition(body!);
        if (definition is null) return Problems.InvalidBody("The workflow has invalid fields.", errors);
        var record = await store.CreateAsync(http.User.OrgId(), definition, ct: ct);
        SetETag(http, record);
        return TypedResults.Created($"/api/workflows/{record.Id}", WorkflowResponse.From(record));
    }

    public static async Task<Results<Ok<WorkflowList>, ProblemHttpResult>> List(
        HttpContext http, IWorkflowStore store, string? status, string? search, string? page, string? limit, CancellationToken ct)
    {
        if (status is not null && status != WorkflowStatus.Draft && status != WorkflowStatus.Published)
        {
            return Problems.BadRequest($"Unknown status '{status}': use 'draft' or 'published'.");
        }
        var paging = Paging.Parse(page, limit);
        if (paging.Problem is not null) return paging.Problem;
        var result = await store.ListAsync(http.User.OrgId(), new WorkflowQuery(status, search, paging.Page, paging.Limit), ct);
        var last = await store.LastExecutionsAsync(http.User.OrgId(), [.. result.Items.Select(w => w.Id)], ct);
        return TypedResults.Ok(new WorkflowList(
            [.. result.Items.Select(w => WorkflowSummary.From(w, last.GetValueOrDefault(w.Id)))], result.Total, paging.Page, paging.Limit, Paging.Pages(result.Total, paging.Limit)));
    }

    public static async Task<Results<Ok<WorkflowResponse>, ProblemHttpResult>> Get(HttpContext http, IWorkflowStore store, TriggerRegistry triggers, string id, CancellationToken ct)
    {
        var record = await store.GetAsync(http.User.OrgId(), id, ct);
        if (record is null) return Problems.NotFound("Workflow", id);
        SetETag(http, record);
        return TypedResults.Ok(WorkflowResponse.From(record, await triggers.ListAsync(record.OrgId, id, http.Request, ct)));
    }

    public static async Task<Results<Ok<WorkflowResponse>, ProblemHttpResult>> Update(
        HttpContext http, IWorkflowStore store, TriggerRegistry triggers, IOptions<JsonOptions> json, string id, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<WorkflowBody>(http.Request, json.Value.SerializerOptions, ct);
        if (problem is not null) return problem;

        var ifMatch = http.Request.Headers.IfMatch.ToString();
        long expected;
        if (!string.IsNullOrEmpty(ifMatch))
        {
            if (!TryParseETag(ifMatch, out expected))
            {
                return Problems.BadRequest($"The If-Match header '{ifMatch}' is not an ETag this server issued (expected a quoted revision such as \"3\").");
            }
        }
        else if (body!.Revision is { } revision)
        {
            expected = revision;
        }
        else
        {
            return Problems.Create(StatusCodes.Status428PreconditionRequired, "precondition-required", "Precondition required",
                "Send the revision you edited, as an If-Match header with the ETag from GET or as the 'revision' field, so concurrent edits are not lost.");
        }

        var (definition, errors) = WorkflowBodyMapper.ToDefinition(body!);
        if (definition is null) return Problems.InvalidBody("The workflow has invalid fields.", errors);

        var (outcome, record) = await store.UpdateAsync(http.User.OrgId(), id, definition, expected, ct);
        switch (outcome)
        {
            case WriteOutcome.NotFound:
                return Problems.NotFound("Workflow", id);
            case WriteOutcome.Conflict:
                var status = string.IsNullOrEmpty(ifMatch) ? StatusCodes.Status409Conflict : StatusCodes.Status412PreconditionFailed;
                return Problems.Create(status, "edit-conflict", "Edit conflict",
                    $"The workflow was changed by someone else: you edited revision {expected}, the current revision is {record!.Revision}. Reload it and apply your change again.",
                    new Dictionary<string, object?> { ["currentRevision"] = record.Revision });
            default:
                SetETag(http, record!);
                return TypedResults.Ok(WorkflowResponse.From(record!, await triggers.ListAsync(record!.OrgId, id, http.Request, ct)));
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(HttpContext http, IWorkflowStore store, TriggerRegistry triggers, string id, CancellationToken ct)
    {
        if (!await store.DeleteAsync(http.User.OrgId(), id, ct)) return Problems.NotFound("Workflow", id);
        await triggers.SyncAsync(http.User.OrgId(), id, null, null, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<ValidationResponse>, ProblemHttpResult>> Validate(
        HttpContext http, IWorkflowStore store, NodeCatalog catalog, string id, CancellationToken ct)
    {
        var record = await store.GetAsync(http.User.OrgId(), id, ct);
        if (record is null) return Problems.NotFound("Workflow", id);
        var result = WorkflowValidation.Validate(record.Definition.Graph, catalog);
        return result.Valid ? TypedResults.Ok(ValidationResponse.From(result)) : ValidationProblem(result, "The workflow is not valid.");
    }

    public static async Task<Results<Ok<WorkflowResponse>, ProblemHttpResult>> Publish(
        HttpContext http, IWorkflowStore store, WorkflowPublisher publisher, string id, CancellationToken ct)
    {
        var record = await store.GetAsync(http.User.OrgId(), id, ct);
        if (record is null) return Problems.NotFound("Workflow", id);
        var result = await publisher.PublishAsync(record, http.Request, ct);
        return result.Status switch
        {
            PublishStatus.Invalid => ValidationProblem(result.Validation, "The workflow cannot be published until its errors are fixed."),
            PublishStatus.NotFound => Problems.NotFound("Workflow", id),
            PublishStatus.Conflict => Problems.Conflict("edit-conflict", "The workflow changed while it was being published; try again."),
            _ => TypedResults.Ok(WorkflowResponse.From(result.Record!, result.Triggers)),
        };
    }

    public static async Task<Results<Ok<WorkflowResponse>, ProblemHttpResult>> Unpublish(HttpContext http, IWorkflowStore store, TriggerRegistry triggers, string id, CancellationToken ct)
    {
        var (outcome, record) = await store.UnpublishAsync(http.User.OrgId(), id, ct);
        if (outcome != WriteOutcome.Ok) return Problems.NotFound("Workflow", id);
        await triggers.SyncAsync(record!.OrgId, id, null, null, ct);
        return TypedResults.Ok(WorkflowResponse.From(record));
    }

    public static async Task<Results<Ok<VersionList>, ProblemHttpResult>> ListVersions(HttpContext http, IWorkflowStore store, string id, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        var record = await store.GetAsync(orgId, id, ct);
        if (record is null) return Problems.NotFound("Workflow", id);
        var versions = await store.ListVersionsAsync(orgId, id, ct);
        return TypedResults.Ok(new VersionList(id, record.PublishedVersion,
            [.. versions.Select(v => new VersionSummary(v.Version, v.Definition.Name, v.PublishedAt, v.Version == record.PublishedVersion))]));
    }

    public static async Task<Results<Ok<VersionResponse>, ProblemHttpResult>> GetVersion(
        HttpContext http, IWorkflowStore store, string id, int version, CancellationToken ct)
    {
        var orgId = http.User.OrgId();
        var record = await store.GetAsync(orgId, id, ct);
        if (record is null) return Problems.NotFound("Workflow", id);
        var v = await store.GetVersionAsync(orgId, id, version, ct);
        if (v is null) return Problems.NotFound("Version", $"{id}/{version}");
        var d = v.Definition;
        return TypedResults.Ok(new VersionResponse(id, v.Version, d.Name, d.Description, d.Graph.Nodes, d.Graph.Edges, d.Canvas, v.PublishedAt,
            v.Version == record.PublishedVersion));
    }

    /// <summary>The 400 <c>validation-failed</c> problem for a graph that does not pass, with its errors and warnings (publish and test runs).</summary>
    internal static ProblemHttpResult ValidationProblem(ValidationResult result, string detail)
    {
        var response = ValidationResponse.From(result);
        return Problems.Create(StatusCodes.Status400BadRequest, "validation-failed", "Workflow validation failed", detail,
            new Dictionary<string, object?> { ["valid"] = false, ["errors"] = response.Errors, ["warnings"] = response.Warnings });
    }

    private static void SetETag(HttpContext http, WorkflowRecord record) =>
        http.Response.Headers.ETag = new EntityTagHeaderValue($"\"{record.Revision.ToString(CultureInfo.InvariantCulture)}\"").ToString();

    private static bool TryParseETag(string header, out long revision)
    {
        revision = 0;
        if (!EntityTagHeaderValue.TryParse(header, out var tag)) return false;
        return long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out revision);
    }
}

internal sealed record ValidationIssueResponse(string? StepId, string? NodeId, string? Field, string Message, string Code)
{
    public static ValidationIssueResponse From(ValidationIssue i) => new(i.StepId, i.StepId, i.Field, i.Message, i.Code);
}

internal sealed record ValidationResponse(bool Valid, IReadOnlyList<ValidationIssueResponse> Errors, IReadOnlyList<ValidationIssueResponse> Warnings)
{
    public static ValidationResponse From(ValidationResult r) =>
        new(r.Valid, [.. r.Errors.Select(ValidationIssueResponse.From)], [.. r.Warnings.Select(ValidationIssueResponse.From)]);
}
