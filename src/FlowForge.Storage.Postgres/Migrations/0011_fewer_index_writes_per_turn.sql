-- Issue 13: fewer index writes in every turn's commit.
--
-- ix_activities_owner took an entry in every leased activity's insert (every step of every run, in this process) and served
-- one statement: a stopping worker releasing its activities, which names their ids, so the primary key serves it.
DROP INDEX ix_activities_owner;

-- Every turn updates its execution's row. PostgreSQL writes such an update in place, without an entry in each of the
-- table's indexes (a heap-only tuple), when no indexed column changes (true of every turn until the last) and the row's
-- page has room: leave room on each page for the updates of the rows inserted there. Only pages written from now on.
ALTER TABLE executions SET (fillfactor = 70);
