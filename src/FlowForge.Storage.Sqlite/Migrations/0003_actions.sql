-- Messaging and business actions: the send ledger, the outbox and per-organisation credentials.
--
-- Like executions, these tables have no foreign keys to executions: a ledger entry or an outbox
-- message outlives nothing it must not, and the engine's group commits never touch them.

-- One row per side-effecting step (execution_id, step_key): 'sending' is written before the provider
-- is called and 'sent' (with the provider's id and the step's output) after it answered. A re-run of
-- the step finds 'sent' and returns the recorded output instead of sending again; 'sending' means an
-- earlier run may or may not have reached the provider, so it sends again with the SAME idempotency
-- key; 'failed' (the provider refused it) starts afresh.
CREATE TABLE send_ledger (
    execution_id     TEXT NOT NULL,
    step_key         TEXT NOT NULL,
    org_id           TEXT NOT NULL,
    channel          TEXT NOT NULL,            -- whatsapp, email, call, crm
    status           TEXT NOT NULL,            -- sending, sent, failed
    idempotency_key  TEXT NOT NULL,            -- the key of the first attempt that sent; reused on a re-send
    provider_id      TEXT,                     -- the provider's message / call / record id
    output           TEXT,                     -- JSON: the step output recorded on 'sent'
    error            TEXT,
    attempts         INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (execution_id, step_key)
) WITHOUT ROWID;

-- Would-be messages of messaging nodes whose provider is not configured, like a development mail catcher.
CREATE TABLE outbox (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    execution_id  TEXT NOT NULL,
    step_key      TEXT NOT NULL,
    channel       TEXT NOT NULL,               -- whatsapp, email, call
    recipient     TEXT NOT NULL,
    subject       TEXT,
    body          TEXT NOT NULL,
    payload       TEXT NOT NULL,               -- JSON: the full resolved message
    created_at    TEXT NOT NULL,
    UNIQUE (execution_id, step_key)
);
CREATE INDEX ix_outbox_org_created ON outbox(org_id, created_at);
CREATE INDEX ix_outbox_org_execution ON outbox(org_id, execution_id);

-- Secrets are ASP.NET Core Data Protection payloads; field names are kept in clear so the API can list them.
CREATE TABLE credentials (
    org_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    field_names  TEXT NOT NULL,                -- JSON array of the value names
    secret       TEXT NOT NULL,                -- the protected JSON object of values
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, name)
) WITHOUT ROWID;
