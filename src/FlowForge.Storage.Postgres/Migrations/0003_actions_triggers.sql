-- Messaging and business actions (the send ledger, the outbox, per-organisation credentials) and
-- triggers (endpoints of published workflows' trigger steps, schedule state, the trigger event log).
-- The same tables and keys as SQLite's 0003_actions and 0004_triggers; see those for the semantics.
--
-- No foreign keys (as for executions): these rows outlive nothing they must not, and the engine's
-- group commits never touch them.
--
-- Locking:
--   send_ledger : one row per (execution, step); begin is an upsert (the conflicting row is locked
--                 until the transaction ends), then reads the row back in the same transaction.
--   outbox      : insert-or-keep on (execution_id, step_key), then read back.
--   triggers    : replacing a workflow's endpoints (publish) first takes a transaction-scoped advisory
--                 lock on the workflow, so two publishes of one workflow serialize instead of
--                 deadlocking on each other's rows. A schedule tick is claimed by compare-and-set on
--                 next_fire_at (one UPDATE, no lock held across statements): of several processes,
--                 exactly one moves a tick. Event dedup is the partial unique index, ON CONFLICT DO NOTHING.

CREATE TABLE send_ledger (
    execution_id     text NOT NULL,
    step_key         text NOT NULL,
    org_id           text NOT NULL,
    channel          text NOT NULL,            -- whatsapp, email, call, crm
    status           text NOT NULL,            -- sending, sent, failed
    idempotency_key  text NOT NULL,            -- the key of the first attempt that sent; reused on a re-send
    provider_id      text,
    output           json,                     -- the step output recorded on 'sent'
    error            text,
    attempts         integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (execution_id, step_key)
);

CREATE TABLE outbox (
    id            text PRIMARY KEY,
    org_id        text NOT NULL,
    execution_id  text NOT NULL,
    step_key      text NOT NULL,
    channel       text NOT NULL,               -- whatsapp, email, call
    recipient     text NOT NULL,
    subject       text,
    body          text NOT NULL,
    payload       json NOT NULL,               -- the full resolved message
    created_at    timestamptz NOT NULL,
    UNIQUE (execution_id, step_key)
);
CREATE INDEX ix_outbox_org_created ON outbox(org_id, created_at);
CREATE INDEX ix_outbox_org_execution ON outbox(org_id, execution_id);

-- Secrets are ASP.NET Core Data Protection payloads; field names are kept in clear so the API can list them.
CREATE TABLE credentials (
    org_id       text NOT NULL,
    name         text NOT NULL,
    kind         text NOT NULL,
    field_names  json NOT NULL,                -- array of the value names
    secret       text NOT NULL,                -- the protected JSON object of values
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE TABLE trigger_endpoints (
    id                   text PRIMARY KEY,
    org_id               text NOT NULL,
    workflow_id          text NOT NULL,
    step_id              text NOT NULL,
    type                 text NOT NULL,
    endpoint_key         text UNIQUE,        -- webhooks: the unguessable URL key, stable across re-publishes
    auth                 text NOT NULL,      -- none | token | signature | provider | inbound | schedule
    config               json,               -- the step's config as published
    secret               text,               -- token: SHA-256 hex; signature: Data Protection-encrypted whsec_ secret
    previous_secret      text,               -- the secret before the last rotation ...
    previous_expires_at  timestamptz,        -- ... valid until then
    active               boolean NOT NULL,
    schedule_key         text,               -- schedules: cron + time zone the next tick was computed from
    next_fire_at         timestamptz,        -- schedules: the next tick (claimed by compare-and-set)
    last_fire_at         timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    UNIQUE (workflow_id, step_id)
);
CREATE INDEX ix_trigger_endpoints_workflow ON trigger_endpoints(org_id, workflow_id);
CREATE INDEX ix_trigger_endpoints_type ON trigger_endpoints(type, active);
CREATE INDEX ix_trigger_endpoints_due ON trigger_endpoints(next_fire_at) WHERE active AND next_fire_at IS NOT NULL;

CREATE TABLE trigger_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id        text NOT NULL,
    workflow_id   text NOT NULL,
    step_id       text NOT NULL,
    type          text NOT NULL,
    outcome       text NOT NULL,            -- accepted | filtered | duplicate | skipped
    dedup_key     text,                     -- webhook-id, Idempotency-Key, provider message id, schedule tick
    execution_id  text,
    detail        text,
    created_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX ux_trigger_events_dedup ON trigger_events(org_id, workflow_id, step_id, dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX ix_trigger_events_workflow ON trigger_events(org_id, workflow_id, id);
