-- Executions: status rows, append-only histories, inboxes and the activity queue.
--
-- Timestamps are SqliteValues text (fixed-width UTC, 7 fractional digits), so text order is time
-- order and the range predicates below can use the indexes.
--
-- No foreign keys to organizations/workflows: executions outlive soft-deleted workflows, and the
-- engine's messages to another execution are guarded by an EXISTS check in the insert instead (a
-- failing FK would abort a whole group commit).
--
-- Table order of every write transaction (SQLite takes the database write lock at BEGIN IMMEDIATE,
-- so it cannot deadlock; the order is kept so a row-locking store such as PostgreSQL cannot either):
--   start     : executions -> inbox
--   claim     : inbox/executions (read) -> executions (lock)
--   commit    : executions (own row, compare-and-set) -> inbox (consumed) -> history
--               -> executions (children, insert) -> inbox (children, messages) -> activities
--               -> activities/inbox (own rows, terminal cleanup)
--   activities: activities -> inbox
--   purge     : executions (read) -> history -> inbox -> activities -> executions
-- Every transaction locks its own execution row first (or none) and only inserts into other
-- executions' rows, so no two transactions wait on each other in opposite orders.

CREATE TABLE executions (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL,
    workflow_id          TEXT NOT NULL,
    version              INTEGER NOT NULL,
    status               TEXT NOT NULL,
    trigger_data         TEXT,               -- JSON
    output               TEXT,               -- JSON
    error                TEXT,
    parent_execution_id  TEXT,
    parent_step_key      TEXT,
    retry_of             TEXT,
    idempotency_key      TEXT,
    created_at           TEXT NOT NULL,
    completed_at         TEXT,               -- set iff status is terminal
    updated_at           TEXT NOT NULL,
    last_sequence        INTEGER NOT NULL DEFAULT 0,
    lock_owner           TEXT,               -- the dispatcher running a turn of it
    lock_expires         TEXT,
    -- NULL keys never collide, so executions without a key are unconstrained.
    UNIQUE (org_id, idempotency_key)
);
CREATE INDEX ix_executions_org_workflow ON executions(org_id, workflow_id, created_at);
CREATE INDEX ix_executions_org_created ON executions(org_id, created_at);
-- Purging finished executions: completed_at is only set on terminal ones.
CREATE INDEX ix_executions_completed ON executions(completed_at, status) WHERE completed_at IS NOT NULL;
-- Releasing a dispatcher's leases at shutdown without scanning every execution.
CREATE INDEX ix_executions_lock_owner ON executions(lock_owner) WHERE lock_owner IS NOT NULL;

-- The primary key is the fence between two dispatchers appending the same turn.
CREATE TABLE history (
    execution_id  TEXT NOT NULL,
    sequence      INTEGER NOT NULL,
    type          TEXT NOT NULL,             -- the JSON "type" discriminator, for queries and diagnostics
    timestamp     TEXT NOT NULL,
    data          TEXT NOT NULL,             -- the event as JSON (HistoryEvent, polymorphic)
    PRIMARY KEY (execution_id, sequence)
) WITHOUT ROWID;

CREATE TABLE inbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,   -- arrival order; never reused
    execution_id  TEXT NOT NULL,
    visible_at    TEXT NOT NULL,
    data          TEXT NOT NULL              -- the event as JSON (HistoryEvent, polymorphic)
);
CREATE INDEX ix_inbox_visible ON inbox(visible_at);
CREATE INDEX ix_inbox_execution ON inbox(execution_id);

CREATE TABLE activities (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id   TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    step_key       TEXT NOT NULL,
    node_id        TEXT NOT NULL,
    node_type      TEXT NOT NULL,
    attempt        INTEGER NOT NULL,
    input          TEXT,                     -- JSON
    timeout_ms     INTEGER NOT NULL,
    lease_owner    TEXT,
    lease_expires  TEXT,
    claim_count    INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    -- A re-run turn cannot enqueue the same attempt twice.
    UNIQUE (execution_id, step_key, attempt)
);
CREATE INDEX ix_activities_lease ON activities(lease_expires);
