-- Executions: status rows, append-only histories, inboxes and the activity queue.
--
-- No foreign keys to organizations/workflows: executions outlive soft-deleted workflows, and the
-- engine's messages to another execution are guarded by an EXISTS check in the insert instead (a
-- failing FK would abort a whole group commit).
--
-- Table order of every write transaction (the same as the SQLite store's; here it is what keeps
-- row locks deadlock-free):
--   start     : executions -> inbox
--   claim     : inbox/executions (read) -> executions (lock, FOR UPDATE SKIP LOCKED: never waits)
--   commit    : executions (own row, compare-and-set) -> inbox (consumed) -> history
--               -> executions (children, insert) -> inbox (children, messages) -> activities
--               -> activities/inbox (own rows, terminal cleanup)
--               A group commit applies its turns in execution-id order (ordinal, = COLLATE "C"),
--               so two batches that overlap (an expired lease taken over) lock their rows in the
--               same order; releasing an owner's leases locks them in that order too.
--   send      : executions (own row, FOR SHARE) -> inbox
--   activities: claim: activities (FOR UPDATE SKIP LOCKED); complete, release and terminal
--               cleanup lock activity rows in id order; complete: activities -> inbox
--   purge     : executions (own rows, locked; SKIP LOCKED in bulk) -> history -> inbox -> activities -> executions
-- Every transaction locks its own execution row first (or none) and only inserts into other
-- executions' rows, so no two transactions wait on each other in opposite orders.

CREATE TABLE executions (
    id                   text PRIMARY KEY,
    org_id               text NOT NULL,
    workflow_id          text NOT NULL,
    version              integer NOT NULL,
    status               text NOT NULL,
    trigger_data         json,
    output               json,
    error                text,
    parent_execution_id  text,
    parent_step_key      text,
    retry_of             text,
    idempotency_key      text,
    created_at           timestamptz NOT NULL,
    completed_at         timestamptz,        -- set iff status is terminal
    updated_at           timestamptz NOT NULL,
    last_sequence        bigint NOT NULL DEFAULT 0,
    lock_owner           text,               -- the dispatcher running a turn of it
    lock_expires         timestamptz,
    -- NULL keys never collide (NULLS DISTINCT), so executions without a key are unconstrained.
    CONSTRAINT uq_executions_idempotency UNIQUE (org_id, idempotency_key)
);
CREATE INDEX ix_executions_org_workflow ON executions(org_id, workflow_id, created_at);
CREATE INDEX ix_executions_org_created ON executions(org_id, created_at);
-- Purging finished executions: completed_at is only set on terminal ones.
CREATE INDEX ix_executions_completed ON executions(completed_at, status) WHERE completed_at IS NOT NULL;
-- Releasing a dispatcher's leases at shutdown without scanning every execution.
CREATE INDEX ix_executions_lock_owner ON executions(lock_owner) WHERE lock_owner IS NOT NULL;

-- The primary key is the fence between two dispatchers appending the same turn.
CREATE TABLE history (
    execution_id  text NOT NULL,
    sequence      bigint NOT NULL,
    type          text NOT NULL,             -- the JSON "type" discriminator, for queries and diagnostics
    timestamp     timestamptz NOT NULL,      -- for queries; the event's own (tick-precise) time is in data
    data          json NOT NULL,             -- the event (HistoryEvent, polymorphic)
    CONSTRAINT history_pkey PRIMARY KEY (execution_id, sequence)
);

CREATE TABLE inbox (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,   -- arrival order; never reused
    execution_id  text NOT NULL,
    visible_at    timestamptz NOT NULL,
    data          json NOT NULL              -- the event (HistoryEvent, polymorphic)
);
CREATE INDEX ix_inbox_visible ON inbox(visible_at);
CREATE INDEX ix_inbox_execution ON inbox(execution_id, id);

CREATE TABLE activities (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    execution_id   text NOT NULL,
    org_id         text NOT NULL,
    step_key       text NOT NULL,
    node_id        text NOT NULL,
    node_type      text NOT NULL,
    attempt        integer NOT NULL,
    input          json,
    timeout_ms     bigint NOT NULL,
    lease_owner    text,
    lease_expires  timestamptz,
    claim_count    integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    -- A re-run turn cannot enqueue the same attempt twice.
    CONSTRAINT uq_activities_attempt UNIQUE (execution_id, step_key, attempt)
);
CREATE INDEX ix_activities_lease ON activities(lease_expires);
CREATE INDEX ix_activities_owner ON activities(lease_owner) WHERE lease_owner IS NOT NULL;
