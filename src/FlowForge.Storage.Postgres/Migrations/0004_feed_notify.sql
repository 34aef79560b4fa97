-- The live feed across processes: every committed dispatcher turn is announced with NOTIFY.
--
-- The trigger fires on the compare-and-set of executions.last_sequence inside the commit transaction
-- (or the savepoint of one execution's turn in a group commit). PostgreSQL delivers a notification only
-- if its transaction commits (a rolled-back savepoint drops its own), to every listener, in commit order.
-- The payload is {"e": execution id, "f": first new sequence, "t": last new sequence, "c": commit time};
-- listeners read those history rows back. NOTIFY is database-wide, so the channel is per schema:
-- 'flowforge_feed_' || md5(schema) (a schema name can be longer than a channel name may be).
-- A listener that was disconnected misses what was committed meanwhile (its clients resync over HTTP).

CREATE FUNCTION flowforge_feed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('flowforge_feed_' || md5(TG_TABLE_SCHEMA),
        json_build_object('e', NEW.id, 'f', OLD.last_sequence + 1, 't', NEW.last_sequence, 'c', clock_timestamp())::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER feed_notify AFTER UPDATE OF last_sequence ON executions
    FOR EACH ROW WHEN (NEW.last_sequence > OLD.last_sequence)
    EXECUTE FUNCTION flowforge_feed_notify();
