-- Retention purges the trigger event log by age.
CREATE INDEX ix_trigger_events_created ON trigger_events(created_at);
