-- Organisations, API keys, workflows and their frozen versions.
--
-- Timestamps are timestamptz (microsecond precision). Documents (definitions, payloads, events) are
-- `json`, not `jsonb`: json keeps the text as written, so key order survives (users' payloads, and the
-- polymorphic "type" discriminator that System.Text.Json expects first), while PostgreSQL still
-- validates it and can query it (->, ->>).
CREATE TABLE organizations (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id          text PRIMARY KEY,
    org_id      text NOT NULL REFERENCES organizations(id),
    key_hash    text NOT NULL UNIQUE,
    prefix      text NOT NULL,
    name        text,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX ix_api_keys_org ON api_keys(org_id, created_at);

CREATE TABLE workflows (
    id                      text PRIMARY KEY,
    org_id                  text NOT NULL REFERENCES organizations(id),
    name                    text NOT NULL,
    description             text,
    definition              json NOT NULL,   -- {nodes, edges, canvas}
    version                 integer NOT NULL,
    published_version       integer,
    revision                bigint NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    deleted_at              timestamptz
);
CREATE INDEX ix_workflows_org ON workflows(org_id, deleted_at, updated_at);

-- Table order of the write transactions: workflows (own row, locked) -> workflow_versions.
CREATE TABLE workflow_versions (
    workflow_id   text NOT NULL REFERENCES workflows(id),
    version       integer NOT NULL,
    org_id        text NOT NULL,
    name          text NOT NULL,
    description   text,
    definition    json NOT NULL,
    published_at  timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, version)
);
