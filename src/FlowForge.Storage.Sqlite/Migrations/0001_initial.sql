-- Organisations, API keys, workflows and their frozen versions.
CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    key_hash    TEXT NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    name        TEXT,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE workflows (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES organizations(id),
    name                    TEXT NOT NULL,
    description             TEXT,
    definition              TEXT NOT NULL,   -- {graph, canvas} as JSON
    version                 INTEGER NOT NULL,
    published_version       INTEGER,
    revision                INTEGER NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    deleted_at              TEXT
);
CREATE INDEX ix_workflows_org ON workflows(org_id, deleted_at, updated_at);

CREATE TABLE workflow_versions (
    workflow_id   TEXT NOT NULL REFERENCES workflows(id),
    version       INTEGER NOT NULL,
    org_id        TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT,
    definition    TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    PRIMARY KEY (workflow_id, version)
);
