-- Analytics roll-ups (GET /api/analytics/...): counters and log-scale histograms per organisation, workflow and UTC
-- day of completion, kept up by the roll-up service, which reads terminal executions past the watermark in batches
-- and commits each batch's increments together with the watermark's move. Reports read only these tables, so their
-- cost follows the number of workflows and days asked for, never the number of executions stored.
-- Runs and histograms are also kept for the whole organisation, under workflow_id '' (no workflow has that id): a
-- report reads one range of (org_id, workflow_id, day) whether it covers one workflow or all of them, so it reads at most
-- days x (statuses or buckets) rows. Steps, errors and variants are read per day across workflows, hence their key order.
-- Days are yyyy-MM-dd text in both backends. Histogram buckets: see LogHistogram (bucket i = [2^(i/8), 2^((i+1)/8)) ms).

CREATE TABLE analytics_watermark (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    completed_at  TEXT,          -- every terminal execution ordered at or before (completed_at, execution_id) is counted
    execution_id  TEXT,
    version       INTEGER NOT NULL   -- bumped by every batch: the compare-and-set between two processes counting
);
INSERT INTO analytics_watermark (id, completed_at, execution_id, version) VALUES (1, NULL, NULL, 0);

CREATE TABLE analytics_runs (
    org_id       TEXT NOT NULL,
    day          TEXT NOT NULL,
    workflow_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    runs         INTEGER NOT NULL,
    PRIMARY KEY (org_id, workflow_id, day, status)
) WITHOUT ROWID;

CREATE TABLE analytics_histograms (
    org_id       TEXT NOT NULL,
    day          TEXT NOT NULL,
    workflow_id  TEXT NOT NULL,
    metric       TEXT NOT NULL,  -- 'duration' (start to end) or 'queue' (start to the first step)
    bucket       INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (org_id, workflow_id, day, metric, bucket)
) WITHOUT ROWID;

CREATE TABLE analytics_steps (
    org_id           TEXT NOT NULL,
    day              TEXT NOT NULL,
    workflow_id      TEXT NOT NULL,
    node_id          TEXT NOT NULL,
    node_type        TEXT NOT NULL,
    failed_attempts  INTEGER NOT NULL,   -- every failed attempt, retried or not
    failed_runs      INTEGER NOT NULL,   -- runs this step failed
    PRIMARY KEY (org_id, day, workflow_id, node_id)
) WITHOUT ROWID;

CREATE TABLE analytics_step_errors (
    org_id       TEXT NOT NULL,
    day          TEXT NOT NULL,
    workflow_id  TEXT NOT NULL,
    node_id      TEXT NOT NULL,
    message      TEXT NOT NULL,          -- the first 200 characters, on one line
    count        INTEGER NOT NULL,
    PRIMARY KEY (org_id, day, workflow_id, node_id, message)
) WITHOUT ROWID;

CREATE TABLE analytics_variants (
    org_id       TEXT NOT NULL,
    day          TEXT NOT NULL,
    workflow_id  TEXT NOT NULL,
    node_id      TEXT NOT NULL,
    variant      TEXT NOT NULL,
    runs         INTEGER NOT NULL,
    completed    INTEGER NOT NULL,
    PRIMARY KEY (org_id, day, workflow_id, node_id, variant)
) WITHOUT ROWID;

-- One workflow's report reads its own rows of these three, not every workflow's rows of each day.
CREATE INDEX ix_analytics_steps_workflow ON analytics_steps(org_id, workflow_id, day);
CREATE INDEX ix_analytics_step_errors_workflow ON analytics_step_errors(org_id, workflow_id, day);
CREATE INDEX ix_analytics_variants_workflow ON analytics_variants(org_id, workflow_id, day);

-- What counting each execution added at run level, so a failed execution that is resumed and ends again is recounted
-- (the old contribution taken back) rather than counted twice. Only read by execution id, in batches; pruned by day
-- once its executions are past retention.
CREATE TABLE analytics_ledger (
    execution_id      TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL,
    workflow_id       TEXT NOT NULL,
    day               TEXT NOT NULL,
    status            TEXT NOT NULL,
    duration_bucket   INTEGER NOT NULL,
    queue_bucket      INTEGER,
    failed_node_id    TEXT,
    variants          TEXT,              -- JSON [[nodeId, variant], ...]
    counted_sequence  INTEGER NOT NULL
);
CREATE INDEX ix_analytics_ledger_day ON analytics_ledger(day);
