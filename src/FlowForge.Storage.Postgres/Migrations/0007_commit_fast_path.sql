-- Issue 13: one round trip per group commit, and the live feed's NOTIFY out of the commit.
--
-- The feed trigger of 0004 goes. A NOTIFY in a transaction takes a database-wide lock at commit and holds it
-- through the WAL flush, so every committing dispatcher turn waited for every other one: PostgreSQL's group commit
-- could not batch their fsyncs. The execution store now sends the same payload ({"e","f","t","c"}) on the same
-- channel ('flowforge_feed_' || md5(schema)) right after its commit, batched, from a background sender. Still
-- nothing that rolled back is announced; a process killed between its commit and the send loses that notice, and
-- the listener's gap check resyncs the execution's subscribers at its next turn.
DROP TRIGGER feed_notify ON executions;
DROP FUNCTION flowforge_feed_notify();

-- The guard of the one-round-trip commit: a statement that changed an unexpected number of rows (the compare-and-set
-- on last_sequence found it moved, a consumed message or a completed activity was gone) raises FF409, which rolls
-- the whole batch back; the store then commits the turns one by one, each in its own savepoint.
CREATE FUNCTION flowforge_expect(actual bigint, expected bigint, what text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF actual <> expected THEN
        RAISE EXCEPTION USING ERRCODE = 'FF409', MESSAGE = format('conflict: %s changed %s rows, expected %s', what, actual, expected);
    END IF;
    RETURN actual;
END
$$;
