-- The executions list pages by keyset on (created_at, id), newest first, across workflows or within one:
-- the id joins both indexes so a cursor's tie-break is read from the index, never sorted.
DROP INDEX ix_executions_org_created;
CREATE INDEX ix_executions_org_created ON executions(org_id, created_at, id);
DROP INDEX ix_executions_org_workflow;
CREATE INDEX ix_executions_org_workflow ON executions(org_id, workflow_id, created_at, id);
-- The list shows which trigger started an execution: the accepted event of the hook that did.
CREATE INDEX ix_trigger_events_execution ON trigger_events(execution_id) WHERE execution_id IS NOT NULL;
