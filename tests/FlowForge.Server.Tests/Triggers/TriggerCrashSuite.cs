using System.Net;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Triggers;

/// <summary>
/// An acknowledged trigger event survives a SIGKILL right after the 202: the restarted server runs it. Enrolled by
/// each backend below (the trigger event log and the key ring are stored differently on each).
/// </summary>
/// <typeparam name="TStorage">The database the server processes run on.</typeparam>
public abstract class TriggerCrashSuite<TStorage> : IAsyncLifetime
    where TStorage : ServerStorage, new()
{
    private const string Key = "ffk_trigger_crash_key_0123456789";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowforge-crash", "hooks-" + Guid.NewGuid().ToString("N"));
    private readonly TStorage _storage = new();

    private Dictionary<string, string> Environment => new(BaseEnvironment.Concat(_storage.Environment(_dir)));

    private static readonly Dictionary<string, string> BaseEnvironment = new()
    {
        ["Auth__BootstrapApiKey"] = Key,
        ["Samples__Enabled"] = "false",
        ["Storage__SqliteSynchronous"] = "FULL",
        ["Engine__OrchestrationLease"] = "00:00:02",
        ["Engine__ActivityLeaseGrace"] = "00:00:01",
        ["Engine__PollInterval"] = "00:00:00.200",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task KilledRightAfterAcknowledgingAWebhook_RunsItAfterRestart()
    {
        string executionId;
        string secret;
        string path;
        await using (var first = await ServerProcess.StartAsync(_dir, Environment))
        {
            var client = first.Client(Key);
            var (_, published) = await client.CreateAndPublish("""
                { "name": "crash hook", "nodes": [
                    { "id": "hook", "type": "trigger_webhook", "config": { "auth": "signature" } },
                    { "id": "wait", "type": "logic_delay", "config": { "duration": "1s" } },
                    { "id": "set", "type": "logic_set_variable", "config": { "variables": { "got": "{{trigger.body.name}}" } } } ],
                  "edges": [ { "source": "hook", "target": "wait" }, { "source": "wait", "target": "set" } ] }
                """);
            secret = (string)published.Trigger()["secret"]!;
            path = published.Trigger().HookPath();
            using var anonymous = first.Client(null);
            var accepted = await (await anonymous.SendAsync(TriggerTestSupport.Signed(path, """{"name":"Ada"}""", secret, id: "msg_crash"))).Expect(HttpStatusCode.Accepted);
            executionId = (string)accepted["executionId"]!;
            first.Kill();
        }

        await using var second = await ServerProcess.StartAsync(_dir, Environment);
        var restarted = second.Client(Key);
        var execution = await restarted.WaitFinished(executionId, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", (string?)execution["status"]);
        Assert.Equal("Ada", (string?)execution["finalOutput"]!["got"]);

        // The sender retries the delivery it never saw answered... it was answered; a retry anyway starts nothing new,
        // and the signing secret (its Data Protection key ring: a folder on SQLite, a table on PostgreSQL) still verifies after the restart.
        using var anonymous2 = second.Client(null);
        var retry = await (await anonymous2.SendAsync(TriggerTestSupport.Signed(path, """{"name":"Ada"}""", secret, id: "msg_crash"))).Expect(HttpStatusCode.Accepted);
        Assert.Equal(executionId, (string?)retry["executionId"]);
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

// Slow: kills and restarts a server process; the fast set (--filter "Category!=Slow") skips them, CI runs them.
[Trait("Category", "Slow")]
public sealed class SqliteTriggerCrashTests : TriggerCrashSuite<SqliteStorage>;

[Trait("Category", "Slow")]
public sealed class PostgresTriggerCrashTests : TriggerCrashSuite<PostgresStorage>;
