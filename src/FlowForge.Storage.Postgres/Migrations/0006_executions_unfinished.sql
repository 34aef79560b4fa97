-- The per-organisation quota on running executions counts unfinished ones (completed_at is set iff terminal).
CREATE INDEX ix_executions_org_unfinished ON executions(org_id) WHERE completed_at IS NULL;
