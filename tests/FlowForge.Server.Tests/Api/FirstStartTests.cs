using System.Net;
using System.Text.RegularExpressions;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Api;

/// <summary>What a newcomer sees on the first start of the real binary with no configuration at all.</summary>
public sealed class FirstStartTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowforge-first-start", Guid.NewGuid().ToString("N"));

    public FirstStartTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public async Task FreshStart_CreatesDatabasePrintsKeyOnceAndSeedsARunnableSample()
    {
        string key;
        await using (var server = await ServerProcess.StartAsync(_dir))
        {
            key = Regex.Match(server.Output, @"ffk_[A-Za-z0-9_\-]{20,}").Value;
            Assert.False(string.IsNullOrEmpty(key), "the first start prints a key:\n" + server.Output);
            Assert.True(File.Exists(Path.Combine(_dir, "data", "flowforge.db")));
            // Regression: the engine's loops once started before the schema was migrated.
            Assert.DoesNotContain("no such table", server.Output);

            var client = server.Client(key);
            var list = await (await client.GetAsync("/api/workflows")).Expect(HttpStatusCode.OK);
            Assert.Equal(["wf_hello", "wf_triage"], list["workflows"]!.AsArray().Select(w => (string)w!["id"]!).Order());
            var sample = list["workflows"]!.AsArray().Single(w => (string?)w!["id"] == "wf_hello")!;
            Assert.Equal("Hello FlowForge", (string?)sample["name"]);
            Assert.Equal("wf_hello", (string?)sample["id"]);
            Assert.Equal("published", (string?)sample["status"]);

            // The sample runs at once, with nothing configured.
            var executionId = await client.Execute("wf_hello", new { name = "Ada", vip = true });
            var done = await client.WaitFinished(executionId);
            Assert.Equal("Hello, Ada! Welcome back, valued customer.", (string?)done["finalOutput"]!["reply"]);

            // The triage sample: built-in sentiment and intent, then email or WhatsApp into the outbox, with no provider configured.
            var unhappy = await client.WaitFinished(await client.Execute("wf_triage", new { phone_number = "+15550001", message_text = "This is terrible, I want a refund now" }));
            Assert.Equal("completed", (string?)unhappy["status"]);
            Assert.Equal("negative", (string?)unhappy.Step("sentiment")["output"]!["sentiment"]);
            Assert.Equal("outbox", (string?)unhappy.Step("escalate")["output"]!["delivery"]);
            Assert.False(unhappy.HasStep("thank"));
            var happy = await client.WaitFinished(await client.Execute("wf_triage", new { phone_number = "+15550002", message_text = "Thank you, the delivery was great!" }));
            Assert.Equal("outbox", (string?)happy.Step("thank")["output"]!["delivery"]);
            Assert.False(happy.HasStep("escalate"));
            var outbox = await (await client.GetAsync($"/api/outbox?executionId={unhappy["executionId"]}")).Expect(HttpStatusCode.OK);
            Assert.Contains("refund", outbox.ToJsonString());
        }

        // Second start on the same data: migrations are idempotent, no new key is printed, the old one works.
        await using (var again = await ServerProcess.StartAsync(_dir))
        {
            Assert.DoesNotMatch(@"ffk_[A-Za-z0-9_\-]{20,}", again.Output);
            var list = await (await again.Client(key).GetAsync("/api/workflows")).Expect(HttpStatusCode.OK);
            Assert.Equal(2, (int?)list["total"]);
        }
    }

    [Fact]
    public async Task BootstrapApiKey_IsEnsuredForDefaultOrganisation()
    {
        const string key = "ffk_bootstrap_key_for_tests_123456";
        await using var server = await ServerProcess.StartAsync(_dir, new Dictionary<string, string> { ["Auth__BootstrapApiKey"] = key });
        Assert.DoesNotMatch(@"shown only this once", server.Output);
        await (await server.Client(key).GetAsync("/api/workflows")).Expect(HttpStatusCode.OK);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
