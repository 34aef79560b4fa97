using System.Text.Json.Nodes;

namespace FlowForge.Core.Storage;

/// <summary>Where a side-effecting step's send stands in the ledger.</summary>
public static class SendStatus
{
    /// <summary>Recorded before the provider is called: an earlier run may or may not have reached it.</summary>
    public const string Sending = "sending";

    /// <summary>The provider accepted it; <see cref="SendLedgerEntry.Output"/> is the step's output.</summary>
    public const string Sent = "sent";

    /// <summary>The provider refused it (a final error): a later run starts afresh.</summary>
    public const string Failed = "failed";
}

/// <summary>One step's send, keyed by (execution, step): retries and re-runs of the step share it.</summary>
/// <param name="IdempotencyKey">The key the first send used; a re-send after an unknown outcome reuses it.</param>
public sealed record SendLedgerEntry(
    string ExecutionId,
    string StepKey,
    string OrgId,
    string Channel,
    string Status,
    string IdempotencyKey,
    string? ProviderId,
    JsonNode? Output,
    string? Error,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>
/// The send ledger: what each side-effecting step has sent, so a step re-run after a crash, a lost lease
/// or a retry after an ambiguous timeout does not send twice.
/// </summary>
public interface ISendLedger
{
    /// <summary>
    /// Claims the step's send: stores a <c>sending</c> entry with <paramref name="idempotencyKey"/> when there is
    /// none (or the last one <c>failed</c>), and returns the entry as stored. An existing <c>sending</c> entry keeps
    /// its original key (its attempt count goes up); a <c>sent</c> one is returned unchanged.
    /// </summary>
    Task<SendLedgerEntry> BeginAsync(string orgId, string executionId, string stepKey, string channel, string idempotencyKey, CancellationToken ct = default);

    Task<SendLedgerEntry?> GetAsync(string executionId, string stepKey, CancellationToken ct = default);

    Task MarkSentAsync(string executionId, string stepKey, string? providerId, JsonNode? output, CancellationToken ct = default);

    /// <summary>The provider refused the send for good (e.g. a 4xx): the next run of the step sends with a fresh key.</summary>
    Task MarkFailedAsync(string executionId, string stepKey, string error, CancellationToken ct = default);
}

/// <summary>A message a messaging node would have sent had its provider been configured.</summary>
public sealed record OutboxMessage(
    string Id,
    string OrgId,
    string ExecutionId,
    string StepKey,
    string Channel,
    string Recipient,
    string? Subject,
    string Body,
    JsonNode? Payload,
    DateTimeOffset CreatedAt);

public sealed record OutboxQuery(string? ExecutionId, string? Channel, int Page, int Limit);

/// <summary>The outbox: one message per (execution, step), listed per organisation.</summary>
public interface IOutboxStore
{
    /// <summary>Stores the message unless the step already has one; returns the stored message either way.</summary>
    Task<OutboxMessage> AddAsync(OutboxMessage message, CancellationToken ct = default);

    /// <summary>The organisation's messages, newest first.</summary>
    Task<Page<OutboxMessage>> ListAsync(string orgId, OutboxQuery query, CancellationToken ct = default);
}

/// <summary>A stored credential. <see cref="ProtectedValues"/> is ciphertext: only the credential service reads it.</summary>
public sealed record CredentialRecord(
    string OrgId,
    string Name,
    string Kind,
    IReadOnlyList<string> FieldNames,
    string ProtectedValues,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>Per-organisation credentials, stored encrypted by the caller.</summary>
public interface ICredentialStore
{
    /// <summary>Adds a credential; false when the organisation already has one by that name.</summary>
    Task<bool> AddAsync(CredentialRecord credential, CancellationToken ct = default);

    /// <summary>
    /// Swaps an existing credential's kind, field names and values in one statement (its creation time stays), so a step
    /// reading it meanwhile gets the old values or the new ones, never none. Null when the organisation has none by that name.
    /// </summary>
    Task<CredentialRecord?> ReplaceAsync(CredentialRecord credential, CancellationToken ct = default);

    Task<CredentialRecord?> GetAsync(string orgId, string name, CancellationToken ct = default);

    Task<IReadOnlyList<CredentialRecord>> ListAsync(string orgId, CancellationToken ct = default);

    Task<bool> DeleteAsync(string orgId, string name, CancellationToken ct = default);
}
