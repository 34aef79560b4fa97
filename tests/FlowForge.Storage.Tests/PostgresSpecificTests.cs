using System.Text.Json.Nodes;
using FlowForge.Core.Engine.History;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Storage.Postgres;

namespace FlowForge.Storage.Tests;

/// <summary>
/// What only PostgreSQL has: its migrations, several processes competing for work on one database
/// (FOR UPDATE SKIP LOCKED), savepoints after a failed statement, and exact answers that need an
/// otherwise empty schema. Each test has a fresh schema of its own.
/// </summary>
public sealed class PostgresSpecificTests
{
    /// <summary>Every embedded migration script's version, in order.</summary>
    private static readonly int[] AllMigrations = [.. PostgresDatabase.LoadMigrations().Select(m => m.Version)];

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>Now in whole microseconds, timestamptz's precision, so instants read back compare equal.</summary>
    private static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % 10));
    }

    // ---- Migrations ------------------------------------------------------------------------

    // Migrating twice, upgrading an old database and the next due instant: FreshDatabaseConformance, on both backends.

    [Fact]
    public async Task Migrate_Twice_CreatesEveryTableOnce_InTheSchemaOfTheSearchPath()
    {
        await using var temp = new TempSchema();

        await temp.Database.MigrateAsync();
        await temp.Database.MigrateAsync();

        Assert.Equal(temp.Name, temp.Database.Schema);
        Assert.Equal(AllMigrations, await temp.Database.AppliedMigrationsAsync());
        var tables = await temp.QueryAsync($"SELECT table_name FROM information_schema.tables WHERE table_schema = '{temp.Name}' ORDER BY table_name");
        Assert.Equal(
            ["activities", "analytics_histograms", "analytics_ledger", "analytics_runs", "analytics_step_errors", "analytics_steps", "analytics_variants",
                "analytics_watermark", "api_keys", "credentials", "data_protection_keys", "executions", "history", "inbox", "organizations", "outbox", "schema_versions", "send_ledger",
                "trigger_endpoints", "trigger_events", "workflow_versions", "workflows"],
            tables.Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task Migrate_LeavesRoomForTurnsToUpdateExecutionsInPlace_AndNoIndexOnActivityOwners()
    {
        // Each turn's commit updates its execution's row and inserts a leased activity (0011): room on the executions' pages
        // lets PostgreSQL update in place (no entry in each of its indexes), and the owner index no statement needs is gone.
        await using var temp = await TempSchema.CreateMigratedAsync();

        var options = await temp.QueryAsync($"SELECT reloptions::text FROM pg_class WHERE oid = '{temp.Name}.executions'::regclass");
        Assert.Equal("{fillfactor=70}", (string?)options[0][0]);
        var indexes = await temp.QueryAsync($"SELECT indexname FROM pg_indexes WHERE schemaname = '{temp.Name}' AND tablename = 'activities' ORDER BY indexname");
        Assert.Equal(["activities_pkey", "ix_activities_lease", "uq_activities_attempt"], indexes.Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task Migrate_FromSeveralProcessesAtOnce_AppliesEachScriptOnce()
    {
        await using var temp = new TempSchema();
        // Separate data sources: separate connection pools, as separate processes would have.
        var processes = Enumerable.Range(0, 4).Select(_ => new PostgresDatabase(temp.ConnectionString)).ToList();
        try
        {
            await Task.WhenAll(processes.Select(p => Task.Run(() => p.MigrateAsync())));

            Assert.Equal(AllMigrations, await temp.Database.AppliedMigrationsAsync());
            Assert.Equal((long)AllMigrations.Length, (await temp.QueryAsync("SELECT COUNT(*) FROM schema_versions"))[0][0]);
        }
        finally
        {
            foreach (var p in processes) await p.DisposeAsync();
        }
    }

    [Fact]
    public void SearchPath_FirstSchemaIsTheOneCreated()
    {
        Assert.Null(PostgresDatabase.FirstSchema(null));
        Assert.Null(PostgresDatabase.FirstSchema("$user, public"));
        Assert.Equal("flowforge", PostgresDatabase.FirstSchema(" FlowForge , public"));
        Assert.Equal("My \"odd\" Schema", PostgresDatabase.FirstSchema("\"My \"\"odd\"\" Schema\", public"));
    }

    // ---- Several processes on one database -------------------------------------------------

    [Fact]
    public async Task ClaimOrchestrations_FromTwoProcessesAtOnce_NeverHandsOneExecutionToTwoOwners()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        await using var processA = new PostgresDatabase(temp.ConnectionString);
        await using var processB = new PostgresDatabase(temp.ConnectionString);
        var storeA = new PostgresExecutionStore(processA);
        var storeB = new PostgresExecutionStore(processB);
        var ids = new List<string>();
        for (var i = 0; i < 60; i++) ids.Add((await storeA.StartAsync(new NewExecution($"ex_{i:D3}", "org", "wf", 1, null))).Execution.Id);
        var now = Now();

        // Eight claimers per process claiming small batches until nothing is left. Every claim is made
        // as a new owner: an owner may claim again what it already holds, another may not.
        async Task<List<(string Owner, string Execution)>> Claimer(IExecutionStore store, string claimer)
        {
            var got = new List<(string, string)>();
            for (var n = 0; ; n++)
            {
                var owner = $"{claimer}_{n}";
                var items = await store.ClaimOrchestrationsAsync(owner, 3, Lease, now);
                if (items.Count == 0) return got;
                got.AddRange(items.Select(i => (claimer, i.Execution.Id)));
            }
        }
        var claimsTask = Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => Claimer(i % 2 == 0 ? storeA : storeB, $"owner_{i}"))));
        Assert.Same(claimsTask, await Task.WhenAny(claimsTask, Task.Delay(TimeSpan.FromSeconds(60))));
        var claims = (await claimsTask).SelectMany(c => c).ToList();

        Assert.Equal(ids.Order(), claims.Select(c => c.Execution).Order()); // each exactly once
        Assert.True(claims.Select(c => c.Owner).Distinct().Count() > 1);
    }

    [Fact]
    public async Task ClaimOrchestrations_SkipsARowAnotherProcessHasLocked_WithoutWaiting()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        await store.StartAsync(new NewExecution("ex_busy", "org", "wf", 1, null));
        await store.StartAsync(new NewExecution("ex_free", "org", "wf", 1, null));

        // Another process is in the middle of a transaction on ex_busy (e.g. committing a turn).
        await using var other = new PostgresDatabase(temp.ConnectionString);
        await using var c = await other.OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await using (var lockRow = new Npgsql.NpgsqlCommand("SELECT 1 FROM executions WHERE id = 'ex_busy' FOR UPDATE", c, tx))
            await lockRow.ExecuteNonQueryAsync();

        var claim = store.ClaimOrchestrationsAsync("d1", 10, Lease, Now());
        var finished = await Task.WhenAny(claim, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.Same(claim, finished);
        Assert.Equal(["ex_free"], (await claim).Select(i => i.Execution.Id));
        await tx.RollbackAsync();
        Assert.Equal(["ex_busy"], (await store.ClaimOrchestrationsAsync("d2", 10, Lease, Now())).Select(i => i.Execution.Id));
    }

    [Fact]
    public async Task ClaimActivities_FromTwoProcessesAtOnce_NeverHandsOneActivityToTwoWorkers_AndSkipsLockedRows()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        await using var processA = new PostgresDatabase(temp.ConnectionString);
        await using var processB = new PostgresDatabase(temp.ConnectionString);
        var storeA = new PostgresExecutionStore(processA);
        var storeB = new PostgresExecutionStore(processB);
        await storeA.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        var item = Assert.Single(await storeA.ClaimOrchestrationsAsync("d1", 10, Lease, Now()));
        var activities = Enumerable.Range(0, 80).Select(i => new ActivityRequest("ex_1", "org", $"s{i:D2}", "n", "http.request", 1, null, TimeSpan.FromSeconds(30))).ToList();
        Assert.Equal(CommitOutcome.Committed, Assert.Single(await storeA.CommitOrchestrationsAsync("d1",
            [new OrchestrationCommit("ex_1", 0, [item.Messages[0].Id], [item.Messages[0].Event], ExecutionStatus.Running, Activities: activities)])).Outcome);

        // One activity is held by a transaction of a third process: skipped, not waited for.
        await using var third = new PostgresDatabase(temp.ConnectionString);
        await using var c = await third.OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await using (var lockRow = new Npgsql.NpgsqlCommand("SELECT 1 FROM activities WHERE step_key = 's00' FOR UPDATE", c, tx))
            await lockRow.ExecuteNonQueryAsync();

        var now = Now();
        async Task<List<(string Worker, long Id)>> Worker(IExecutionStore store, string worker)
        {
            var got = new List<(string, long)>();
            while (true)
            {
                var claimed = await store.ClaimActivitiesAsync(worker, 4, TimeSpan.FromSeconds(10), now);
                if (claimed.Count == 0) return got;
                Assert.All(claimed, a => Assert.Equal(1, a.ClaimCount));
                got.AddRange(claimed.Select(a => (worker, a.Id)));
            }
        }
        var claimsTask = Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => Worker(i % 2 == 0 ? storeA : storeB, $"worker_{i}"))));
        Assert.Same(claimsTask, await Task.WhenAny(claimsTask, Task.Delay(TimeSpan.FromSeconds(30))));
        var claims = (await claimsTask).SelectMany(c => c).ToList();

        Assert.Equal(79, claims.Count);
        Assert.Equal(79, claims.Select(c => c.Id).Distinct().Count());
        await tx.RollbackAsync();
        Assert.Equal("s00", Assert.Single(await storeB.ClaimActivitiesAsync("late", 100, TimeSpan.FromSeconds(10), now)).Request.StepKey);
    }

    // ---- Group commit ----------------------------------------------------------------------

    [Fact]
    public async Task Commit_WhenHistoryAlreadyHoldsTheSequence_IsConflictRolledBackAlone()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        await store.StartAsync(new NewExecution("ex_2", "org", "wf", 1, null));
        var items = await store.ClaimOrchestrationsAsync("d1", 10, Lease, Now());
        Assert.Equal(2, items.Count);
        // Another appender wrote sequence 1 of ex_1 without moving last_sequence: only the primary key can
        // catch the second append, after the compare-and-set and the inbox delete already ran. In
        // PostgreSQL the violation aborts the transaction unless rolled back to the savepoint.
        await temp.QueryAsync("""INSERT INTO history (execution_id, sequence, type, timestamp, data) VALUES ('ex_1', 1, 'timerFired', now(), '{"type":"timerFired","timerId":"x"}')""");

        var results = await store.CommitOrchestrationsAsync("d1",
            [.. items.OrderBy(i => i.Execution.Id).Select(i => new OrchestrationCommit(i.Execution.Id, 0, [i.Messages[0].Id], [i.Messages[0].Event], ExecutionStatus.Running))]);

        Assert.Equal([CommitOutcome.Conflict, CommitOutcome.Committed], results.Select(r => r.Outcome));
        var ex1 = await store.GetForEngineAsync("ex_1");
        Assert.Equal((ExecutionStatus.Pending, 0L), (ex1!.Status, ex1.LastSequence));
        Assert.IsType<TimerFired>(Assert.Single(await store.GetHistoryAsync("ex_1")));
        // The consumed message is back (the savepoint undid its delete) and ex_1 stays leased to d1.
        Assert.Empty(await store.ClaimOrchestrationsAsync("d2", 10, Lease, Now()));
        var again = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, Lease, Now()));
        Assert.Equal(("ex_1", items.Single(i => i.Execution.Id == "ex_1").Messages[0].Id), (again.Execution.Id, again.Messages[0].Id));
        var ex2 = await store.GetForEngineAsync("ex_2");
        Assert.Equal((ExecutionStatus.Running, 1L), (ex2!.Status, ex2.LastSequence));
    }

    [Fact]
    public async Task Commit_ResultsKeepTheCallersOrder_ThoughTurnsApplyInExecutionIdOrder()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        foreach (var id in new[] { "ex_c", "ex_a", "ex_b" }) await store.StartAsync(new NewExecution(id, "org", "wf", 1, null));
        var items = (await store.ClaimOrchestrationsAsync("d1", 10, Lease, Now())).ToDictionary(i => i.Execution.Id);

        var results = await store.CommitOrchestrationsAsync("d1",
        [
            new OrchestrationCommit("ex_c", 0, [items["ex_c"].Messages[0].Id], [items["ex_c"].Messages[0].Event], ExecutionStatus.Running,
                Activities: [new ActivityRequest("ex_c", "org", "s", "n", "t", 1, null, TimeSpan.FromSeconds(1))], ActivityLeaseOwner: "d1"),
            new OrchestrationCommit("ex_a", 5, [], [], ExecutionStatus.Running), // stale
            new OrchestrationCommit("ex_b", 0, [items["ex_b"].Messages[0].Id], [items["ex_b"].Messages[0].Event], ExecutionStatus.Running),
        ]);

        Assert.Equal([CommitOutcome.Committed, CommitOutcome.Conflict, CommitOutcome.Committed], results.Select(r => r.Outcome));
        Assert.Equal("ex_c", Assert.Single(results[0].LeasedActivities).Request.ExecutionId);
    }

    [Fact]
    public async Task Commit_AMixedBatch_GoesInOneStatement_AndAppliesEveryPartOfEveryTurn()
    {
        // The set-based statement: one CTE per table for all turns. Each turn here uses a different part of it, and one
        // finishes while others send it messages, the case where one snapshot for every CTE could delete a row twice.
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        foreach (var id in new[] { "ex_a", "ex_b", "ex_c", "ex_d", "ex_e" }) await store.StartAsync(new NewExecution(id, "org", "wf", 1, null));
        var first = (await store.ClaimOrchestrationsAsync("d1", 10, Lease, Now())).ToDictionary(i => i.Execution.Id);
        OrchestrationCommit Start(string id, IReadOnlyList<ActivityRequest>? activities = null, string? leaseOwner = null) =>
            new(id, 0, [first[id].Messages[0].Id], [first[id].Messages[0].Event], ExecutionStatus.Running, Activities: activities, ActivityLeaseOwner: leaseOwner);
        static ActivityRequest Step(string id, string step) => new(id, "org", step, "n", "t", 1, new JsonObject { ["in"] = step }, TimeSpan.FromMinutes(1));
        // ex_c runs one leased activity and has a second one queued unleased; ex_e waits for an event.
        var setup = await store.CommitOrchestrationsAsync("d1",
            [Start("ex_a"), Start("ex_b"), Start("ex_c", [Step("ex_c", "s1")], "d1"), Start("ex_d"), Start("ex_e")]);
        await store.CommitOrchestrationsAsync("d1", [new OrchestrationCommit("ex_c", 1, [], [new StepScheduled("s2", "n", "t", 1, null)], ExecutionStatus.Running, Activities: [Step("ex_c", "s2")])]);
        Assert.True(await store.SendAsync("org", "ex_e", new EventRaised("go", null), Now()));
        var running = Assert.Single(setup[2].LeasedActivities);
        var eventItem = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, Lease, Now()));
        var paths = store.CommitPaths;

        var output = new JsonObject { ["done"] = true };
        var stepDone = new StepCompleted("s1", "n", "t", 1, output, "out");
        var results = await store.CommitOrchestrationsAsync("d1",
        [
            // a: schedules a leased activity, and sends c (which finishes in this batch) a message that must not stay; b: an unleased activity.
            new OrchestrationCommit("ex_a", 1, [], [new StepScheduled("s1", "n", "t", 1, null)], ExecutionStatus.Running, Activities: [Step("ex_a", "s1")], ActivityLeaseOwner: "d1",
                Messages: [new ScheduledMessage("ex_c", new EventRaised("late", null), Now())]),
            new OrchestrationCommit("ex_b", 1, [], [new StepScheduled("s1", "n", "t", 1, null)], ExecutionStatus.Running, Activities: [Step("ex_b", "s1")]),
            // c: its in-memory result completes it; it tells d, and sends itself a message that must not stay.
            new OrchestrationCommit("ex_c", 2, [], [stepDone, new ExecutionCompleted(output)], ExecutionStatus.Completed, Output: output,
                Messages: [new ScheduledMessage("ex_d", new ChildCompleted("sub", "ex_c", output), Now()), new ScheduledMessage("ex_c", new TimerFired("self"), Now())],
                CompletedActivities: [new ActivityCompletion(running.Id, "d1", "ex_c", stepDone)]),
            // d: sets itself a timer; c's message to it stays.
            new OrchestrationCommit("ex_d", 1, [], [new TimerCreated("t1", Now().AddHours(1), TimerPurpose.Delay, "s1")], ExecutionStatus.Running,
                Messages: [new ScheduledMessage("ex_d", new TimerFired("t1"), Now().AddHours(1))]),
            // e: consumes its event.
            new OrchestrationCommit("ex_e", 1, [eventItem.Messages[0].Id], [eventItem.Messages[0].Event], ExecutionStatus.Running),
        ]);

        Assert.All(results, r => Assert.Equal(CommitOutcome.Committed, r.Outcome));
        Assert.Equal((paths.InOneStatement + 1, paths.OneByOne), store.CommitPaths);
        var leased = Assert.Single(results[0].LeasedActivities);
        Assert.Equal(("ex_a", "s1", "d1"), (leased.Request.ExecutionId, leased.Request.StepKey, "d1"));
        Assert.Empty(results[1].LeasedActivities);
        Assert.Equal(["ex_b:s1"], (await store.ClaimActivitiesAsync("w2", 10, TimeSpan.FromSeconds(5), Now())).Select(a => $"{a.Request.ExecutionId}:{a.Request.StepKey}"));

        var c = await store.GetForEngineAsync("ex_c");
        Assert.Equal((ExecutionStatus.Completed, 4L), (c!.Status, c.LastSequence));
        Assert.Equal(["executionStarted", "stepScheduled", "stepCompleted", "executionCompleted"],
            (await temp.QueryAsync("SELECT type FROM history WHERE execution_id = 'ex_c' ORDER BY sequence")).Select(r => (string)r[0]!));
        Assert.Equal(0L, (await temp.QueryAsync("SELECT count(*) FROM activities WHERE execution_id = 'ex_c'"))[0][0]);
        Assert.Equal(0L, (await temp.QueryAsync("SELECT count(*) FROM inbox WHERE execution_id = 'ex_c'"))[0][0]);
        Assert.Equal(["childCompleted", "timerFired"], (await temp.QueryAsync("SELECT data->>'type' FROM inbox WHERE execution_id = 'ex_d' ORDER BY id")).Select(r => (string)r[0]!));
        Assert.Equal(0L, (await temp.QueryAsync("SELECT count(*) FROM inbox WHERE execution_id = 'ex_e'"))[0][0]);
        Assert.Equal(2L, (await store.GetForEngineAsync("ex_e"))!.LastSequence);
    }

    [Fact]
    public async Task Commit_OfOneSmallTurn_IsWrittenAsPlainValues_ABiggerOneOrOneWithMessagesSetBased()
    {
        // A sequential run's steps, one turn per group commit: the one-turn statement, with the same effects and checks.
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        var item = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, Lease, Now()));
        static ActivityRequest Step(string step) => new("ex_1", "org", step, "n_" + step, "t", 1, new JsonObject { ["in"] = step }, TimeSpan.FromMinutes(1));
        var oneTurn = store.OneTurnCommits;

        var first = Assert.Single(await store.CommitOrchestrationsAsync("d1",
            [new OrchestrationCommit("ex_1", 0, [item.Messages[0].Id], [item.Messages[0].Event, new StepScheduled("s1", "n_s1", "t", 1, null)], ExecutionStatus.Running,
                Activities: [Step("s1")], ActivityLeaseOwner: "w1", ActivityLeaseGrace: TimeSpan.FromSeconds(5))]));
        var s1 = Assert.Single(first.LeasedActivities);
        Assert.Equal(("s1", "n_s1", 1), (s1.Request.StepKey, s1.Request.NodeId, s1.ClaimCount));
        var done = new StepCompleted("s1", "n_s1", "t", 1, new JsonObject { ["out"] = 1 }, "main");
        var second = Assert.Single(await store.CommitOrchestrationsAsync("d1",
            [new OrchestrationCommit("ex_1", 2, [], [done, new StepScheduled("s2", "n_s2", "t", 1, null)], ExecutionStatus.Running,
                Activities: [Step("s2")], ActivityLeaseOwner: "w1", ActivityLeaseGrace: TimeSpan.FromSeconds(5),
                CompletedActivities: [new ActivityCompletion(s1.Id, "w1", "ex_1", done)])]));
        Assert.Equal(oneTurn + 2, store.OneTurnCommits);
        Assert.Equal(["ex_1:s2:w1"], (await temp.QueryAsync("SELECT execution_id || ':' || step_key || ':' || lease_owner FROM activities")).Select(r => (string)r[0]!));
        Assert.Equal(4L, (await store.GetForEngineAsync("ex_1"))!.LastSequence);

        // The same result twice: its activity row is gone, so the turn conflicts and writes nothing.
        var again = Assert.Single(await store.CommitOrchestrationsAsync("d1",
            [new OrchestrationCommit("ex_1", 4, [], [done], ExecutionStatus.Running, CompletedActivities: [new ActivityCompletion(s1.Id, "w1", "ex_1", done)])]));
        Assert.Equal(CommitOutcome.Conflict, again.Outcome);
        Assert.Equal(4L, (await store.GetForEngineAsync("ex_1"))!.LastSequence);

        // Five activities at once, or a timer message: the set-based statement.
        var paths = store.CommitPaths;
        await store.CommitOrchestrationsAsync("d1",
            [new OrchestrationCommit("ex_1", 4, [], [new StepScheduled("f", "n_f", "t", 1, null)], ExecutionStatus.Running,
                Activities: [Step("a"), Step("b"), Step("c"), Step("d"), Step("e")])]);
        await store.CommitOrchestrationsAsync("d1",
            [new OrchestrationCommit("ex_1", 5, [], [new TimerCreated("t1", Now().AddHours(1), TimerPurpose.Delay, "w")], ExecutionStatus.Running,
                Messages: [new ScheduledMessage("ex_1", new TimerFired("t1"), Now().AddHours(1))])]);
        Assert.Equal(oneTurn + 2, store.OneTurnCommits);
        Assert.Equal((paths.InOneStatement + 2, paths.OneByOne), store.CommitPaths);
        Assert.Equal(6L, (await store.GetForEngineAsync("ex_1"))!.LastSequence);
        Assert.Equal(6L, (await temp.QueryAsync("SELECT count(*) FROM activities WHERE execution_id = 'ex_1'"))[0][0]);
    }

    [Fact]
    public async Task Start_AloneWithItsFirstTurn_IsOneStatement_AndATurnPostgresRefuses_StartsPlain()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        static OrchestrationCommit Turn(string id, string nodeType) => new(id, 0, [],
            [new ExecutionStarted("wf", 1, null, null, null, null, 0), new StepScheduled("s1", "n_s1", nodeType, 1, null)], ExecutionStatus.Running,
            Activities: [new ActivityRequest(id, "org", "s1", "n_s1", nodeType, 1, null, TimeSpan.FromMinutes(1))], ActivityLeaseOwner: "d1",
            ActivityLeaseGrace: TimeSpan.FromSeconds(5));
        var lease = new ExecutionLease("d1", Now() + Lease);
        Assert.True(store.LikelyWritesFirstTurn); // no batch of starts is being written

        var taken = await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null, Lease: lease, FirstTurn: Turn("ex_1", "t")));

        Assert.NotNull(taken.FirstTurn);
        Assert.Equal(1, store.StartsWithFirstTurn);
        Assert.Equal((ExecutionStatus.Running, 2L), (taken.Execution.Status, taken.Execution.LastSequence));
        Assert.Equal(["ex_1:s1:d1:1"], (await temp.QueryAsync("SELECT execution_id || ':' || step_key || ':' || lease_owner || ':' || claim_count FROM activities"))
            .Select(r => (string)r[0]!));
        Assert.Equal(0L, (await temp.QueryAsync("SELECT count(*) FROM inbox"))[0][0]);
        Assert.Equal(0L, (await temp.QueryAsync("SELECT count(*) FROM executions WHERE lock_owner IS NOT NULL"))[0][0]);

        // A NUL character is text PostgreSQL cannot store: the turn is left to the dispatcher, whose poison isolation fails it.
        var refused = await store.StartAsync(new NewExecution("ex_2", "org", "wf", 1, null, Lease: lease, FirstTurn: Turn("ex_2", "bad\0type")));

        Assert.Null(refused.FirstTurn);
        Assert.Equal(1, store.StartsWithFirstTurn);
        Assert.IsType<ExecutionStarted>(refused.FirstMessage!.Event);
        Assert.Equal((ExecutionStatus.Pending, 0L), (refused.Execution.Status, refused.Execution.LastSequence));
        Assert.Equal(0L, (await temp.QueryAsync("SELECT count(*) FROM history WHERE execution_id = 'ex_2'"))[0][0]);
        Assert.Equal(0L, (await temp.QueryAsync("SELECT count(*) FROM activities WHERE execution_id = 'ex_2'"))[0][0]);
    }

    [Fact]
    public async Task TheEnginesCommitsClaimsAndStarts_UseItsOwnSmallPool_HoweverManyRunAtOnce()
    {
        // The hot path keeps a few warm connections of its own (Npgsql hands out idle connections first in, first out:
        // after a burst, sequential commits would each land on a cold one). A burst must not grow it past its bound.
        await using var temp = await TempSchema.CreateMigratedAsync();
        var name = "t_" + Guid.NewGuid().ToString("N")[..12]; // other tests' stores run at the same time on this server
        await using var database = new PostgresDatabase(temp.ConnectionString + $";Application Name={name}");
        var store = new PostgresExecutionStore(database);
        var ids = Enumerable.Range(0, 40).Select(i => $"ex_{i:D2}").ToList();
        await Task.WhenAll(ids.Select(id => Task.Run(() => store.StartAsync(new NewExecution(id, "org", "wf", 1, null)))));
        var items = await store.ClaimOrchestrationsAsync("d1", 100, Lease, Now());
        await Task.WhenAll(items.Select(i => Task.Run(() => store.CommitOrchestrationsAsync("d1",
            [new OrchestrationCommit(i.Execution.Id, 0, [i.Messages[0].Id], [i.Messages[0].Event], ExecutionStatus.Running)]))));

        var engine = (await temp.QueryAsync(
            $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{name} engine'")).Single()[0];
        Assert.InRange((long)engine!, 1L, PostgresDatabase.EngineConnections);
        Assert.Equal(40, items.Count);
    }

    [Fact]
    public async Task EveryRequestsPointReads_UseTheirOwnSmallPool_HoweverManyRunAtOnce()
    {
        // The API key and the workflow of a start are read on a few warm connections of their own (after a burst the
        // main pool would hand each sequential request a cold one); a burst waits for them rather than growing them.
        await using var temp = await TempSchema.CreateMigratedAsync();
        var name = "t_" + Guid.NewGuid().ToString("N")[..12];
        await using var database = new PostgresDatabase(temp.ConnectionString + $";Application Name={name}");
        var tenants = new PostgresTenantStore(database);
        var workflows = new PostgresWorkflowStore(database);
        await tenants.EnsureOrganizationAsync("org", "Org");
        await tenants.AddApiKeyAsync("org", "hash_1", "ffk_1", "key");
        var workflow = await workflows.CreateAsync("org", new WorkflowDefinition("wf", null, WorkflowGraph.Empty, null));

        var reads = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
            (await tenants.FindKeyByHashAsync(i % 2 == 0 ? "hash_1" : "hash_unknown"))?.OrgId + ":" + (await workflows.GetAsync("org", workflow.Id))?.Id)));

        Assert.Equal(20, reads.Count(r => r == "org:" + workflow.Id));
        Assert.Equal(20, reads.Count(r => r == ":" + workflow.Id));
        var pooled = (await temp.QueryAsync($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{name} reads'")).Single()[0];
        Assert.InRange((long)pooled!, 1L, PostgresDatabase.ReadConnections);
    }

    [Fact]
    public async Task TheEnginesConnections_RunGenericIndexPlans_EvenOnAnEmptyTable_AndKeepThemAcrossPoolReturns()
    {
        // Planned on an empty table, a statement reaching executions through "= ANY(array)" is a sequential scan by cost,
        // and a generic plan stays as it was made: the engine's connections rule that out (and re-planning per call).
        await using var temp = await TempSchema.CreateMigratedAsync();
        await using var database = new PostgresDatabase(temp.ConnectionString + ";No Reset On Close=false");
        const string statement = """
            PREPARE probe(text[], bigint[]) AS
            UPDATE executions e SET last_sequence = t.expected + 1
            FROM unnest($1, $2) AS t(id, expected)
            WHERE e.id = ANY($1) AND e.id = t.id AND e.last_sequence = t.expected
            """;

        for (var round = 0; round < 3; round++) // back and forth to the pool: a reset must not undo the settings
        {
            await using var engine = await database.OpenEngineAsync();
            Assert.Equal(["force_generic_plan", "off"], await Settings(engine));
            var plan = await Plan(engine);
            Assert.Contains("executions_pkey", plan); // an index scan or a bitmap scan of the primary key
            Assert.DoesNotContain("Seq Scan", plan);
        }
        // The API's own pool plans as PostgreSQL chooses (its statements are simple, their custom plans cheap): the
        // same statement there is a sequential scan of the empty table, which is what the engine's settings prevent.
        await using var api = await database.OpenAsync();
        Assert.Equal(["auto", "on"], await Settings(api));
        await using (var custom = new Npgsql.NpgsqlCommand("SET plan_cache_mode = force_generic_plan", api)) await custom.ExecuteNonQueryAsync();
        Assert.Contains("Seq Scan on executions", await Plan(api));
        await using (var reset = new Npgsql.NpgsqlCommand("RESET plan_cache_mode", api)) await reset.ExecuteNonQueryAsync();

        static async Task<List<string>> Settings(Npgsql.NpgsqlConnection c)
        {
            await using var read = new Npgsql.NpgsqlCommand("SELECT current_setting('plan_cache_mode'), current_setting('enable_seqscan')", c);
            await using var reader = await read.ExecuteReaderAsync();
            await reader.ReadAsync();
            return [reader.GetString(0), reader.GetString(1)];
        }

        async Task<string> Plan(Npgsql.NpgsqlConnection c)
        {
            await using (var prepare = new Npgsql.NpgsqlCommand(statement, c)) await prepare.ExecuteNonQueryAsync();
            try
            {
                await using var explain = new Npgsql.NpgsqlCommand("EXPLAIN EXECUTE probe(ARRAY['ex_1'], ARRAY[1::bigint])", c);
                await using var reader = await explain.ExecuteReaderAsync();
                var lines = new List<string>();
                while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
                return string.Join("\n", lines);
            }
            finally
            {
                await using var deallocate = new Npgsql.NpgsqlCommand("DEALLOCATE probe", c);
                await deallocate.ExecuteNonQueryAsync();
            }
        }
    }

    // ---- Columns and clocks ----------------------------------------------------------------

    [Fact]
    public async Task History_StoresTheTypeDiscriminatorAndTheTimestampInColumns_AndTheEventToTheTick()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));
        var item = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, Lease, Now()));
        var at = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567);
        await store.CommitOrchestrationsAsync("d1", [new OrchestrationCommit("ex_1", 0, [item.Messages[0].Id],
            [item.Messages[0].Event, new StepFailed("s", "n", "t", 1, "nope") { Timestamp = at }], ExecutionStatus.Running)]);

        var rows = await temp.QueryAsync("SELECT type, timestamp, data->>'type' FROM history WHERE execution_id = 'ex_1' ORDER BY sequence");

        Assert.Equal(2, rows.Count);
        Assert.Equal(("executionStarted", "executionStarted"), ((string)rows[0][0]!, (string)rows[0][2]!));
        Assert.Equal("stepFailed", rows[1][0]);
        Assert.Equal(new DateTime(2025, 1, 2, 3, 4, 5, 123, 456, DateTimeKind.Utc), rows[1][1]); // microseconds in the column
        Assert.Equal(at, (await store.GetHistoryAsync("ex_1", 1))[0].Timestamp); // ticks in the event
    }

    [Fact]
    public async Task TimestampsComeFromTheInjectedClock_RoundedUpToTheMicrosecond()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var clock = new FixedClock(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(15));
        var store = new PostgresExecutionStore(temp.Database, clock);

        var started = await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, null));

        var expected = clock.Now.AddTicks(5);
        Assert.Equal(expected, started.Execution.CreatedAt);
        Assert.Equal(expected, (await store.GetForEngineAsync("ex_1"))!.UpdatedAt);
        var item = Assert.Single(await store.ClaimOrchestrationsAsync("d1", 10, Lease, expected));
        Assert.Equal(expected, item.Messages[0].Event.Timestamp);
    }

    [Fact]
    public async Task Json_IsStoredAsWritten_KeyOrderIncluded()
    {
        await using var temp = await TempSchema.CreateMigratedAsync();
        var store = new PostgresExecutionStore(temp.Database);
        var trigger = JsonNode.Parse("""{"zeta":1,"alpha":{"y":2,"x":"\u00e9"}}""");

        await store.StartAsync(new NewExecution("ex_1", "org", "wf", 1, trigger));

        Assert.Equal(trigger!.ToJsonString(JsonDefaults.Options), (await store.GetForEngineAsync("ex_1"))!.TriggerData!.ToJsonString(JsonDefaults.Options));
        Assert.Equal("json", (await temp.QueryAsync($"SELECT data_type FROM information_schema.columns WHERE table_schema = '{temp.Name}' AND table_name = 'executions' AND column_name = 'trigger_data'"))[0][0]);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now => now;

        public override DateTimeOffset GetUtcNow() => now;
    }
}
