using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowForge.Core.Model;
using FlowForge.Core.Scheduling;
using FlowForge.Core.Storage;
using Microsoft.Extensions.Options;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Triggers;

/// <summary>A trigger as the API shows it. <see cref="Secret"/> is set only in the response that generated it.</summary>
internal sealed record TriggerInfo(
    string StepId,
    string Type,
    string? Url,
    string Auth,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null);

/// <summary>
/// Keeps <c>trigger_endpoints</c> in step with what is published: called after publish (the published graph's
/// trigger steps become the active set), unpublish and delete (none active). Webhook keys and secrets are kept for
/// a step that stays a webhook with the same auth mode, so its URL and credentials survive re-publishes.
/// </summary>
internal sealed class TriggerRegistry(ITriggerStore store, WebhookSecrets secrets, IOptions<TriggerOptions> options, TriggerClock clock)
{
    /// <summary>The trigger types that get an endpoint.</summary>
    private static readonly HashSet<string> Registered =
        [NodeTypeNames.TriggerWebhook, NodeTypeNames.TriggerSchedule, NodeTypeNames.TriggerWhatsApp, NodeTypeNames.TriggerEmail, NodeTypeNames.TriggerVoice];

    /// <summary>Makes the trigger steps of <paramref name="graph"/> the workflow's active triggers; returns them, with new secrets.</summary>
    public async Task<IReadOnlyList<TriggerInfo>> SyncAsync(string orgId, string workflowId, WorkflowGraph? graph, HttpRequest? request, CancellationToken ct)
    {
        if (graph is null)
        {
            await store.ReplaceActiveAsync(orgId, workflowId, [], ct);
            return [];
        }
        var existing = (await store.ListForWorkflowAsync(orgId, workflowId, ct)).ToDictionary(e => e.StepId, StringComparer.Ordinal);
        var now = clock.Now;
        var endpoints = new List<TriggerEndpoint>();
        var newSecrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes.Where(n => Registered.Contains(n.Type)))
        {
            var previous = existing.GetValueOrDefault(node.Id) is { } p && p.Type == node.Type ? p : null;
            var config = node.Config.ValueKind == JsonValueKind.Object ? JsonNode.Parse(node.Config.GetRawText()) : new JsonObject();
            var endpoint = new TriggerEndpoint(
                previous?.Id ?? "tr_" + Guid.CreateVersion7().ToString("N"), orgId, workflowId, node.Id, node.Type, null, AuthFor(node.Type, config),
                config, null, null, null, true, null, null, previous?.LastFireAt, previous?.CreatedAt ?? now);
            switch (node.Type)
            {
                case NodeTypeNames.TriggerWebhook:
                    endpoint = endpoint with { EndpointKey = previous?.EndpointKey ?? WebhookSecrets.NewEndpointKey() };
                    if (endpoint.Auth is TriggerAuth.Token or TriggerAuth.Signature)
                    {
                        if (previous is { Secret: not null } && previous.Auth == endpoint.Auth)
                        {
                            endpoint = endpoint with { Secret = previous.Secret, PreviousSecret = previous.PreviousSecret, PreviousExpiresAt = previous.PreviousExpiresAt };
                        }
                        else
                        {
                            var (shown, stored) = NewSecret(endpoint.Auth);
                            newSecrets[node.Id] = shown;
                            endpoint = endpoint with { Secret = stored };
                        }
                    }
                    break;
                case NodeTypeNames.TriggerSchedule:
                    var cron = (string?)config?["cron"];
                    var zone = (string?)config?["timezone"];
                    var key = $"{cron}|{zone}";
                    DateTimeOffset? next = previous is { Active: true, NextFireAt: not null } && previous.ScheduleKey == key
                        ? previous.NextFireAt
                        : CronSchedule.TryParse(cron, zone, out var schedule, out _) ? schedule!.NextAfter(now) : null;
                    endpoint = endpoint with { ScheduleKey = key, NextFireAt = next };
                    break;
            }
            endpoints.Add(endpoint);
        }
        await store.ReplaceActiveAsync(orgId, workflowId, endpoints, ct);
        return [.. endpoints.Select(e => Describe(e, request, newSecrets.GetValueOrDefault(e.StepId)))];
    }

    /// <summary>
    /// Makes the active triggers match what is published, for every organisation: publishing commits the
    /// version and then registers its triggers, so a crash between the two would leave the old ones live.
    /// Idempotent (endpoint keys and secrets are kept); run at start-up.
    /// </summary>
    public async Task ResyncAllAsync(IWorkflowStore workflows, CancellationToken ct)
    {
        var published = await workflows.ListPublishedAsync(ct);
        var live = published.Select(p => (p.OrgId, p.WorkflowId)).ToHashSet();
        foreach (var (orgId, workflowId, version) in published)
        {
            var definition = await workflows.GetVersionAsync(orgId, workflowId, version, ct);
            await SyncAsync(orgId, workflowId, definition?.Definition.Graph, null, ct);
        }
        foreach (var type in Registered)
        {
            foreach (var stale in (await store.ListActiveByTypeAsync(type, ct)).Where(e => !live.Contains((e.OrgId, e.WorkflowId))).Select(e => (e.OrgId, e.WorkflowId)).Distinct())
            {
                await SyncAsync(stale.OrgId, stale.WorkflowId, null, null, ct);
            }
        }
    }

    /// <summary>The workflow's active triggers (no secrets).</summary>
    public async Task<IReadOnlyList<TriggerInfo>> ListAsync(string orgId, string workflowId, HttpRequest? request, CancellationToken ct) =>
        [.. (await store.ListForWorkflowAsync(orgId, workflowId, ct)).Where(e => e.Active).Select(e => Describe(e, request, null))];

    /// <summary>A new secret for a webhook step; the old one stays valid for the rotation grace. Null when the step has no secret to rotate.</summary>
    public async Task<(TriggerInfo? Trigger, DateTimeOffset? PreviousValidUntil, string? Error)> RotateAsync(
        string orgId, string workflowId, string stepId, HttpRequest request, CancellationToken ct)
    {
        var endpoint = (await store.ListForWorkflowAsync(orgId, workflowId, ct)).FirstOrDefault(e => e.Active && e.StepId == stepId);
        if (endpoint is null) return (null, null, $"Workflow '{workflowId}' has no active trigger '{stepId}' (publish the workflow first).");
        if (endpoint.Auth is not (TriggerAuth.Token or TriggerAuth.Signature))
        {
            return (null, null, $"Trigger '{stepId}' uses auth '{endpoint.Auth}', which has no per-endpoint secret to rotate.");
        }
        var (shown, stored) = NewSecret(endpoint.Auth);
        var until = clock.Now + options.Value.SecretRotationGrace;
        await store.RotateSecretAsync(orgId, workflowId, stepId, stored, endpoint.Secret, until, ct);
        return (Describe(endpoint, request, shown), until, null);
    }

    public TriggerInfo Describe(TriggerEndpoint e, HttpRequest? request, string? secret)
    {
        var path = e.Type switch
        {
            NodeTypeNames.TriggerWebhook => "/hooks/" + e.EndpointKey,
            NodeTypeNames.TriggerWhatsApp => "/hooks/whatsapp",
            NodeTypeNames.TriggerEmail => "/hooks/email",
            NodeTypeNames.TriggerVoice => "/hooks/voice",
            _ => null,
        };
        return new TriggerInfo(e.StepId, e.Type, path is null ? null : BaseUrl(request) + path, e.Auth, secret);
    }

    private string BaseUrl(HttpRequest? request)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl)) return options.Value.PublicBaseUrl.TrimEnd('/');
        return request is null ? "" : $"{request.Scheme}://{request.Host}{request.PathBase}";
    }

    private (string Shown, string Stored) NewSecret(string auth)
    {
        if (auth == TriggerAuth.Token)
        {
            var token = WebhookSecrets.NewToken();
            return (token, WebhookSecrets.HashToken(token));
        }
        var secret = WebhookSecrets.NewSigningSecret();
        return (secret, secrets.Protect(secret));
    }

    private static string AuthFor(string type, JsonNode? config) => type switch
    {
        // The schema's default is signature: a webhook published without an auth setting is signed, never open.
        NodeTypeNames.TriggerWebhook => (string?)config?["auth"] is { } auth && auth is TriggerAuth.None or TriggerAuth.Token or TriggerAuth.Signature ? auth : TriggerAuth.Signature,
        NodeTypeNames.TriggerWhatsApp => TriggerAuth.Provider,
        NodeTypeNames.TriggerEmail or NodeTypeNames.TriggerVoice => TriggerAuth.Inbound,
        _ => TriggerAuth.Schedule,
    };
}
