using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Storage;
using FlowForge.Server.Credentials;

namespace FlowForge.Server.Nodes.Actions;

/// <summary>The channels of the outbox and the ledger.</summary>
internal static class Channels
{
    public const string WhatsApp = "whatsapp";
    public const string Email = "email";
    public const string Call = "call";
    public const string Crm = "crm";

    /// <summary>The channels a message can be in the outbox for.</summary>
    public static readonly string[] Outbox = [WhatsApp, Email, Call];
}

/// <summary>A send's result: the step output and the provider's id for the ledger.</summary>
internal sealed record SendOutcome(JsonObject Output, string? ProviderId);

/// <summary>
/// What every messaging and business action shares: reading its config, its named credential, sending
/// at most once per step through the <see cref="ISendLedger"/>, and delivering into the outbox.
/// </summary>
internal sealed class ActionSupport(ISendLedger ledger, IOutboxStore outbox, CredentialService credentials, TimeProvider clock)
{
    public static JsonObject Input(NodeRunContext context) => context.Input as JsonObject ?? [];

    /// <summary>A config string (templates already resolved); numbers and booleans as JSON text; null when absent or blank.</summary>
    public static string? Text(JsonObject input, string name)
    {
        var node = input[name];
        if (node is null) return null;
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    public static string Required(JsonObject input, string name) =>
        Text(input, name) ?? throw new NodeFailure($"'{name}' is required and resolved to nothing.", retryable: false);

    /// <summary>The node's named credential of <paramref name="kind"/>, or null when the node names none (the deployment's settings apply).</summary>
    public async Task<JsonObject?> CredentialAsync(NodeRunContext context, string kind, CancellationToken ct)
    {
        var name = Text(Input(context), "credential");
        if (name is null) return null;
        try
        {
            return await credentials.RequireAsync(context.OrgId, name, kind, ct);
        }
        catch (CredentialException e)
        {
            throw new NodeFailure(e.Message, retryable: false);
        }
    }

    /// <summary>
    /// Sends at most once per (execution, step). A send already recorded as sent returns its recorded output;
    /// one recorded as sending (an earlier run's outcome is unknown) is sent again with that run's idempotency
    /// key, so a provider that deduplicates by key drops the repeat. A final refusal is recorded so the next run
    /// starts afresh. Test runs have no durable execution and skip the ledger.
    /// </summary>
    public async Task<NodeResult> SendOnceAsync(NodeRunContext context, string channel, Func<string, CancellationToken, Task<SendOutcome>> send, CancellationToken ct)
    {
        if (context.IsTest)
        {
            return new NodeResult((await send(context.IdempotencyKey, ct)).Output);
        }
        var entry = await ledger.BeginAsync(context.OrgId, context.ExecutionId, context.StepKey, channel, context.IdempotencyKey, ct);
        if (entry.Status == SendStatus.Sent)
        {
            return new NodeResult(entry.Output?.DeepClone());
        }
        SendOutcome outcome;
        try
        {
            outcome = await send(entry.IdempotencyKey, ct);
        }
        catch (NodeFailure failure) when (!failure.Retryable)
        {
            await ledger.MarkFailedAsync(context.ExecutionId, context.StepKey, failure.Message, CancellationToken.None);
            throw;
        }
        // Anything else (a timeout, a 5xx, a dropped connection) may or may not have reached the provider: the entry stays 'sending'.
        await ledger.MarkSentAsync(context.ExecutionId, context.StepKey, outcome.ProviderId, outcome.Output, CancellationToken.None);
        return new NodeResult(outcome.Output);
    }

    /// <summary>
    /// Delivers into the outbox (the provider is not configured): one message per (execution, step), so a re-run
    /// returns the same message. <paramref name="output"/> gets the message id and <c>delivery:"outbox"</c>.
    /// </summary>
    public async Task<NodeResult> ToOutboxAsync(
        NodeRunContext context, string channel, string recipient, string? subject, string body, JsonObject payload,
        Func<string, JsonObject> output, CancellationToken ct)
    {
        var message = await outbox.AddAsync(new OutboxMessage(
            "msg_" + Guid.NewGuid().ToString("N")[..20], context.OrgId, context.ExecutionId, context.StepKey, channel,
            recipient, subject, body, payload, clock.GetUtcNow()), ct);
        var result = output(message.Id);
        result["delivery"] = "outbox";
        return new NodeResult(result);
    }
}
