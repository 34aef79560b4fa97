using FlowForge.Core.Storage;
using FlowForge.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Live;

/// <summary>
/// <c>/hubs/executions</c>: live progress of executions. Authenticated with an API key (header, or the
/// <c>access_token</c> query parameter for browsers and WebSockets); everything is scoped to the key's
/// organisation. Another organisation's workflow or execution is refused exactly like a missing one.
/// </summary>
[Authorize(AuthenticationSchemes = ApiKeyAuthenticationHandler.SchemeName)]
internal sealed class ExecutionsHub(
    LiveBroadcaster broadcaster, HubConnectionKeys keys, IWorkflowStore workflows, IExecutionClientStore executions, IOptions<LiveOptions> options) : Hub
{
    public const string Path = "/hubs/executions";

    public override Task OnConnectedAsync()
    {
        broadcaster.Connected(Context, Context.User!.OrgId(), Context.User!.KeyId());
        keys.Connected(ConnectionToken());
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        broadcaster.Disconnected(Context.ConnectionId);
        keys.Disconnected(ConnectionToken());
        return Task.CompletedTask;
    }

    /// <summary>The token the client connected with (the <c>id</c> of its transport requests); none when it skipped negotiation.</summary>
    private string? ConnectionToken() => Context.GetHttpContext()?.Request.Query["id"].ToString();

    /// <summary>Lifecycle events (started, waiting, completed, failed) of every execution of the workflow.</summary>
    public async Task Subscribe(string workflowId)
    {
        broadcaster.Touch(Context.ConnectionId);
        var orgId = Context.User!.OrgId();
        if (string.IsNullOrWhiteSpace(workflowId) || workflowId.Length > 128 || await workflows.GetAsync(orgId, workflowId, Context.ConnectionAborted) is null)
        {
            throw new HubException($"Workflow '{Shorten(workflowId)}' was not found.");
        }
        if (!broadcaster.SubscribeWorkflow(Context.ConnectionId, orgId, workflowId)) throw TooMany();
    }

    public Task Unsubscribe(string workflowId)
    {
        broadcaster.Touch(Context.ConnectionId);
        broadcaster.UnsubscribeWorkflow(Context.ConnectionId, Context.User!.OrgId(), workflowId ?? "");
        return Task.CompletedTask;
    }

    /// <summary>Lifecycle events (started, waiting, completed, failed) of every execution of the caller's organisation.</summary>
    public Task SubscribeOrganization()
    {
        broadcaster.Touch(Context.ConnectionId);
        if (!broadcaster.SubscribeOrganization(Context.ConnectionId)) throw TooMany();
        return Task.CompletedTask;
    }

    public Task UnsubscribeOrganization()
    {
        broadcaster.Touch(Context.ConnectionId);
        broadcaster.UnsubscribeOrganization(Context.ConnectionId);
        return Task.CompletedTask;
    }

    /// <summary>Every event of one execution: lifecycle and steps.</summary>
    public async Task SubscribeExecution(string executionId)
    {
        broadcaster.Touch(Context.ConnectionId);
        var orgId = Context.User!.OrgId();
        if (string.IsNullOrWhiteSpace(executionId) || executionId.Length > 128 || await executions.GetAsync(orgId, executionId, Context.ConnectionAborted) is null)
        {
            throw new HubException($"Execution '{Shorten(executionId)}' was not found.");
        }
        if (!broadcaster.SubscribeExecution(Context.ConnectionId, executionId)) throw TooMany();
    }

    public Task UnsubscribeExecution(string executionId)
    {
        broadcaster.Touch(Context.ConnectionId);
        broadcaster.UnsubscribeExecution(Context.ConnectionId, executionId ?? "");
        return Task.CompletedTask;
    }

    private HubException TooMany() =>
        new($"Too many subscriptions: a connection may hold at most {options.Value.MaxSubscriptionsPerConnection}. Unsubscribe first, or open another connection.");

    private static string Shorten(string? id) => id is null ? "" : id.Length > 128 ? id[..128] + "…" : id;
}
