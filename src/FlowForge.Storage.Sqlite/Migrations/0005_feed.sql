-- The live feed across processes: one row per committed dispatcher turn, in commit order.
--
-- SQLite has one writer at a time, so ids are handed out in commit order and a reader that sees id N
-- has also seen every id below N: a poller that remembers the last id it read never misses a turn.
-- The row is written by a trigger on the compare-and-set of executions.last_sequence, inside the
-- commit transaction: it exists exactly when the turn's history does (a rolled-back turn leaves none).
-- The table keeps the most recent 50,000 turns (a poller further behind than that resyncs its clients).
-- PostgreSQL will carry the same (execution_id, from_sequence, to_sequence) with LISTEN/NOTIFY instead.
-- (0003 and 0004 are taken by other branches.)

CREATE TABLE feed (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,  -- commit order; never reused
    execution_id   TEXT NOT NULL,
    from_sequence  INTEGER NOT NULL,
    to_sequence    INTEGER NOT NULL,
    committed_at   TEXT NOT NULL
);

CREATE TRIGGER feed_on_commit AFTER UPDATE OF last_sequence ON executions
WHEN NEW.last_sequence > OLD.last_sequence
BEGIN
    INSERT INTO feed (execution_id, from_sequence, to_sequence, committed_at)
    VALUES (NEW.id, OLD.last_sequence + 1, NEW.last_sequence, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    DELETE FROM feed WHERE id <= (SELECT MAX(id) FROM feed) - 50000;
END;
