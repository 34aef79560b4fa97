-- Analytics roll-ups (GET /api/analytics/...): counters and log-scale histograms per organisation, workflow and UTC
-- day of completion, kept up by the roll-up service, which reads terminal executions past the watermark in batches
-- and commits each batch's increments together with the watermark's move. Reports read only these tables, so their
-- cost follows the number of workflows and days asked for, never the number of executions stored.
-- Runs and histograms are also kept for the whole organisation, under workflow_id '' (no workflow has that id): a
-- report reads one range of (org_id, workflow_id, day) whether it covers one workflow or all of them, so it reads at most
-- days x (statuses or buckets) rows. Steps, errors and variants are read per day across workflows, hence their key order.
-- Days are yyyy-MM-dd text in both backends. Histogram buckets: see LogHistogram (bucket i = [2^(i/8), 2^((i+1)/8)) ms).

CREATE TABLE analytics_watermark (
    id            integer PRIMARY KEY CHECK (id = 1),
    completed_at  timestamptz,         -- every terminal execution ordered at or before (completed_at, execution_id) is counted
    execution_id  text,
    version       bigint NOT NULL    -- bumped by every batch: the compare-and-set between two processes counting
);
INSERT INTO analytics_watermark (id, completed_at, execution_id, version) VALUES (1, NULL, NULL, 0);

CREATE TABLE analytics_runs (
    org_id       text NOT NULL,
    day          text NOT NULL,
    workflow_id  text NOT NULL,
    status       text NOT NULL,
    runs         bigint NOT NULL,
    PRIMARY KEY (org_id, workflow_id, day, status)
);

CREATE TABLE analytics_histograms (
    org_id       text NOT NULL,
    day          text NOT NULL,
    workflow_id  text NOT NULL,
    metric       text NOT NULL,  -- 'duration' (start to end) or 'queue' (start to the first step)
    bucket       bigint NOT NULL,
    count        bigint NOT NULL,
    PRIMARY KEY (org_id, workflow_id, day, metric, bucket)
);

CREATE TABLE analytics_steps (
    org_id           text NOT NULL,
    day              text NOT NULL,
    workflow_id      text NOT NULL,
    node_id          text NOT NULL,
    node_type        text NOT NULL,
    failed_attempts  bigint NOT NULL,   -- every failed attempt, retried or not
    failed_runs      bigint NOT NULL,   -- runs this step failed
    PRIMARY KEY (org_id, day, workflow_id, node_id)
);

CREATE TABLE analytics_step_errors (
    org_id       text NOT NULL,
    day          text NOT NULL,
    workflow_id  text NOT NULL,
    node_id      text NOT NULL,
    message      text NOT NULL,          -- the first 200 characters, on one line
    count        bigint NOT NULL,
    PRIMARY KEY (org_id, day, workflow_id, node_id, message)
);

CREATE TABLE analytics_variants (
    org_id       text NOT NULL,
    day          text NOT NULL,
    workflow_id  text NOT NULL,
    node_id      text NOT NULL,
    variant      text NOT NULL,
    runs         bigint NOT NULL,
    completed    bigint NOT NULL,
    PRIMARY KEY (org_id, day, workflow_id, node_id, variant)
);

-- One workflow's report reads its own rows of these three, not every workflow's rows of each day.
CREATE INDEX ix_analytics_steps_workflow ON analytics_steps(org_id, workflow_id, day);
CREATE INDEX ix_analytics_step_errors_workflow ON analytics_step_errors(org_id, workflow_id, day);
CREATE INDEX ix_analytics_variants_workflow ON analytics_variants(org_id, workflow_id, day);

-- What counting each execution added at run level, so a failed execution that is resumed and ends again is recounted
-- (the old contribution taken back) rather than counted twice. Only read by execution id, in batches; pruned by day
-- once its executions are past retention.
CREATE TABLE analytics_ledger (
    execution_id      text PRIMARY KEY,
    org_id            text NOT NULL,
    workflow_id       text NOT NULL,
    day               text NOT NULL,
    status            text NOT NULL,
    duration_bucket   bigint NOT NULL,
    queue_bucket      integer,
    failed_node_id    text,
    variants          text,              -- JSON [[nodeId, variant], ...]
    counted_sequence  bigint NOT NULL
);
CREATE INDEX ix_analytics_ledger_day ON analytics_ledger(day);
