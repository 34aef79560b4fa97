-- The Data Protection key ring, shared by every process on this database (ASP.NET Core's IXmlRepository): one row per
-- element the key manager writes (a key, a revocation). Append-only, as the key manager treats its repository.
CREATE TABLE data_protection_keys (
    id bigserial PRIMARY KEY,
    friendly_name text NOT NULL,
    xml text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
