-- Triggers: the endpoints of published workflows' trigger steps (webhook keys and secrets, inbound
-- matching config, schedule state) and the log of trigger events (accepted, filtered, duplicate,
-- skipped schedule ticks). Timestamps are SqliteValues text.

CREATE TABLE trigger_endpoints (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL,
    workflow_id          TEXT NOT NULL,
    step_id              TEXT NOT NULL,
    type                 TEXT NOT NULL,
    endpoint_key         TEXT UNIQUE,        -- webhooks: the unguessable URL key, stable across re-publishes
    auth                 TEXT NOT NULL,      -- none | token | signature | provider | inbound | schedule
    config               TEXT,               -- the step's config (JSON) as published
    secret               TEXT,               -- token: SHA-256 hex; signature: Data Protection-encrypted whsec_ secret
    previous_secret      TEXT,               -- the secret before the last rotation ...
    previous_expires_at  TEXT,               -- ... valid until then
    active               INTEGER NOT NULL,
    schedule_key         TEXT,               -- schedules: cron + time zone the next tick was computed from
    next_fire_at         TEXT,               -- schedules: the next tick (claimed by compare-and-set)
    last_fire_at         TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (workflow_id, step_id)
);
CREATE INDEX ix_trigger_endpoints_type ON trigger_endpoints(type, active);
CREATE INDEX ix_trigger_endpoints_due ON trigger_endpoints(next_fire_at) WHERE active = 1 AND next_fire_at IS NOT NULL;

CREATE TABLE trigger_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        TEXT NOT NULL,
    workflow_id   TEXT NOT NULL,
    step_id       TEXT NOT NULL,
    type          TEXT NOT NULL,
    outcome       TEXT NOT NULL,            -- accepted | filtered | duplicate | skipped
    dedup_key     TEXT,                     -- webhook-id, Idempotency-Key, provider message id, schedule tick
    execution_id  TEXT,
    detail        TEXT,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_trigger_events_dedup ON trigger_events(org_id, workflow_id, step_id, dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX ix_trigger_events_workflow ON trigger_events(org_id, workflow_id, id);
