using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FlowForge.Server.Credentials;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Nodes.Actions;

/// <summary>Per-organisation credentials: stored encrypted, never returned, usable by nodes, never leaked into executions.</summary>
public class CredentialsTests(UnconfiguredFixture server) : IClassFixture<UnconfiguredFixture>
{
    private readonly HttpClient _client = server.Client();

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    private Task<HttpResponseMessage> Create(string name, string kind, object values, HttpClient? client = null) =>
        (client ?? _client).PostJson("/api/credentials", new { name, kind, values });

    [Fact]
    public async Task CreateListGetDelete_NeverReturnValues()
    {
        var name = "wa-" + Unique();
        const string secret = "EAAG-very-secret-token-123";
        var response = await Create(name, "whatsapp", new { accessToken = secret, phoneNumberId = "555", baseUrl = "https://graph.example" });
        var created = await response.Expect(HttpStatusCode.Created);
        Assert.Equal($"/api/credentials/{name}", response.Headers.Location?.ToString());
        Assert.Equal(name, (string?)created["name"]);
        Assert.Equal("whatsapp", (string?)created["kind"]);
        Assert.Equal(["accessToken", "phoneNumberId", "baseUrl"], created["fields"]!.AsArray().Select(f => (string)f!));
        Assert.Null(created["values"]);

        var listText = await (await _client.GetAsync("/api/credentials")).Content.ReadAsStringAsync();
        Assert.Contains(name, listText);
        Assert.DoesNotContain(secret, listText);
        var one = await (await _client.GetAsync($"/api/credentials/{name}")).Expect(HttpStatusCode.OK);
        Assert.Equal("whatsapp", (string?)one["kind"]);
        Assert.DoesNotContain(secret, one.ToJsonString());

        await (await Create(name, "whatsapp", new { accessToken = "x", phoneNumberId = "1" })).ExpectProblem(HttpStatusCode.Conflict, "credential-exists");

        // At rest the value is a Data Protection payload, not the secret.
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(server.Directory, "flowforge.db") }.ToString();
        await using (var db = new SqliteConnection(connection))
        {
            await db.OpenAsync();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT secret FROM credentials WHERE name = $n";
            cmd.Parameters.AddWithValue("$n", name);
            var stored = (string)(await cmd.ExecuteScalarAsync())!;
            Assert.DoesNotContain(secret, stored);
            Assert.DoesNotContain("accessToken", stored);
        }
        var values = await server.Services.GetRequiredService<ICredentialResolver>().ResolveAsync("org-a", name, CancellationToken.None);
        Assert.Equal(secret, (string?)values!["accessToken"]);

        await (await _client.DeleteAsync($"/api/credentials/{name}")).Expect(HttpStatusCode.NoContent);
        await (await _client.GetAsync($"/api/credentials/{name}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await _client.DeleteAsync($"/api/credentials/{name}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Replace_SwapsKindAndValuesAtOnce_AndARefusedBodyKeepsTheOldOnes()
    {
        var name = "wa-" + Unique();
        var created = await (await Create(name, "whatsapp", new { accessToken = "old-token", phoneNumberId = "555" })).Expect(HttpStatusCode.Created);
        var resolver = server.Services.GetRequiredService<ICredentialResolver>();

        // Refused bodies change nothing: the old values still resolve.
        var missing = await (await _client.PutAsJsonAsync($"/api/credentials/{name}", new { kind = "whatsapp", values = new { accessToken = "new-token" } }))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Contains(missing["errors"]!.AsArray(), e => (string?)e!["field"] == "values.phoneNumberId");
        await (await _client.PutAsJsonAsync($"/api/credentials/{name}", new { name, kind = "whatsapp", values = new { accessToken = "t", phoneNumberId = "1" } }))
            .ExpectProblem(HttpStatusCode.BadRequest, "invalid-body"); // the name is the path's, not the body's
        await (await _client.PutAsync($"/api/credentials/{name}", Http.Json("{not json"))).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Equal("old-token", (string?)(await resolver.ResolveAsync("org-a", name, CancellationToken.None))!["accessToken"]);

        var replaced = await (await _client.PutAsJsonAsync($"/api/credentials/{name}",
            new { kind = "http", values = new { token = "new-token" } })).Expect(HttpStatusCode.OK);
        Assert.Equal(name, (string?)replaced["name"]);
        Assert.Equal("http", (string?)replaced["kind"]);
        Assert.Equal(["token"], replaced["fields"]!.AsArray().Select(f => (string)f!));
        Assert.Equal((DateTimeOffset)created["createdAt"]!, (DateTimeOffset)replaced["createdAt"]!);
        Assert.True((DateTimeOffset)replaced["updatedAt"]! >= (DateTimeOffset)created["updatedAt"]!);
        Assert.DoesNotContain("new-token", replaced.ToJsonString());
        var values = (await resolver.ResolveAsync("org-a", name, CancellationToken.None))!;
        Assert.Equal("new-token", (string?)values["token"]);
        Assert.Null(values["accessToken"]);

        // Only an existing credential of the caller's organisation is replaced; a replace creates nothing.
        var other = server.Client(ServerFixture.KeyB);
        await (await other.PutAsJsonAsync($"/api/credentials/{name}", new { kind = "http", values = new { token = "b" } })).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        await (await _client.PutAsJsonAsync($"/api/credentials/nope-{Unique()}", new { kind = "http", values = new { token = "x" } })).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal("new-token", (string?)(await resolver.ResolveAsync("org-a", name, CancellationToken.None))!["token"]);
    }

    [Fact]
    public async Task BadCredentials_AreRefusedWithFieldErrors()
    {
        var problem = await (await Create("bad name!", "fax", new { })).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        var fields = problem["errors"]!.AsArray().Select(e => (string)e!["field"]!).ToList();
        Assert.Contains("name", fields);
        Assert.Contains("kind", fields);
        Assert.Contains("values", fields);

        var missing = await (await Create("smtp-" + Unique(), "smtp", new { host = "mail.example.com" })).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Contains(missing["errors"]!.AsArray(), e => (string?)e!["field"] == "values.from");

        var nested = await (await Create("http-" + Unique(), "http", new { token = new { nested = 1 } })).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
        Assert.Contains(nested["errors"]!.AsArray(), e => (string?)e!["field"] == "values.token");

        await (await _client.PostAsync("/api/credentials", Http.Json("{not json"))).ExpectProblem(HttpStatusCode.BadRequest, "invalid-body");
    }

    [Fact]
    public async Task Credentials_AreScopedToTheirOrganisation()
    {
        var name = "crm-" + Unique();
        await (await Create(name, "crm", new { baseUrl = "https://crm.example", apiKey = "k-123456" })).Expect(HttpStatusCode.Created);
        var other = server.Client(ServerFixture.KeyB);
        await (await other.GetAsync($"/api/credentials/{name}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        var list = await (await other.GetAsync("/api/credentials")).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(list["credentials"]!.AsArray(), c => (string?)c!["name"] == name);
        await (await other.DeleteAsync($"/api/credentials/{name}")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
        // Organisation B may have its own credential by the same name.
        await (await Create(name, "crm", new { baseUrl = "https://other.example" }, other)).Expect(HttpStatusCode.Created);
        Assert.Null(await server.Services.GetRequiredService<ICredentialResolver>().ResolveAsync("org-b", "crm-does-not-exist", CancellationToken.None));
    }

    [Fact]
    public async Task ANodeNamingACredential_UsesIt_AndTheSecretNeverShowsInTheExecution()
    {
        var name = "wa-" + Unique();
        var token = "cred-token-" + Unique();
        await (await Create(name, "whatsapp", new { accessToken = token, phoneNumberId = "4242", baseUrl = server.Provider.BaseUrl + "/graph" })).Expect(HttpStatusCode.Created);
        var smtpName = "smtp-" + Unique();
        var password = "cred-pass-" + Unique();
        await (await Create(smtpName, "smtp", new { host = "127.0.0.1", port = server.Smtp.Port, username = "u1", password, from = "ops@cred.test", useStartTls = false })).Expect(HttpStatusCode.Created);

        var wf = await _client.Publish($$"""
            { "name": "cred", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wa", "type": "action_whatsapp", "config": { "recipient": "+15559990000", "messageTemplate": "via credential", "credential": "{{name}}" } },
                { "id": "mail", "type": "action_email", "config": { "to": "x@example.com", "subject": "cred", "body": "b", "credential": "{{smtpName}}" } } ],
              "edges": [ { "source": "t", "target": "wa" }, { "source": "wa", "target": "mail" } ] }
            """);
        var id = await _client.Execute(wf);
        var done = await _client.WaitFinished(id);

        Assert.Equal("completed", (string?)done["status"]);
        var request = Assert.Single(server.Provider.For(id));
        Assert.Equal("/graph/4242/messages", request.Path);
        Assert.Equal($"Bearer {token}", request.Header("Authorization"));
        Assert.Equal("provider", (string?)done.Step("wa")["output"]!["delivery"]);
        var mail = Assert.Single(server.Smtp.Messages, m => m.Header("Message-ID") == (string?)done.Step("mail")["output"]!["email_id"]);
        Assert.Equal(("u1", password), (mail.AuthUser, mail.AuthPassword));
        Assert.Equal("ops@cred.test", mail.MailFrom);

        var detail = await (await _client.GetAsync($"/api/executions/{id}")).Content.ReadAsStringAsync();
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Content.ReadAsStringAsync();
        foreach (var secret in new[] { token, password })
        {
            Assert.DoesNotContain(secret, detail);
            Assert.DoesNotContain(secret, history);
        }
    }

    [Fact]
    public async Task AProviderRejectingACredential_FailsTheStepWithoutShowingTheSecret()
    {
        var name = "voice-" + Unique();
        var key = "voice-cred-key-" + Unique();
        await (await Create(name, "voice", new { baseUrl = server.Provider.BaseUrl + "/badvoice", apiKey = key })).Expect(HttpStatusCode.Created);
        server.Provider.Script("POST", "/badvoice/twilio/outbound-call", new ScriptedResponse(401, $$"""{"message":"invalid api key {{key}}"}"""));
        var wf = await _client.Publish($$"""
            { "name": "bad cred", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "call", "type": "action_call", "config": { "phoneNumber": "+15559990001", "voiceAgent": "a", "credential": "{{name}}" } } ],
              "edges": [ { "source": "t", "target": "call" } ] }
            """);
        var id = await _client.Execute(wf);
        var done = await _client.WaitFinished(id);
        Assert.Equal("failed", (string?)done["status"]);
        var error = (string)done.Step("call")["errorMessage"]!;
        Assert.Contains("401", error);
        Assert.Contains("invalid api key", error);
        var detail = await (await _client.GetAsync($"/api/executions/{id}")).Content.ReadAsStringAsync();
        var history = await (await _client.GetAsync($"/api/executions/{id}/history")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, detail);
        Assert.DoesNotContain(key, history);
    }

    [Fact]
    public async Task AMissingOrWrongKindCredential_FailsTheStepClearly()
    {
        var crmName = "crm-" + Unique();
        await (await Create(crmName, "crm", new { baseUrl = "https://crm.example" })).Expect(HttpStatusCode.Created);
        var wf = await _client.Publish("""
            { "name": "missing cred", "nodes": [
                { "id": "t", "type": "trigger_manual" },
                { "id": "wa", "type": "action_whatsapp", "config": { "recipient": "+15559990002", "messageTemplate": "x", "credential": "{{trigger.cred}}" } } ],
              "edges": [ { "source": "t", "target": "wa" } ] }
            """);
        var missing = await _client.WaitFinished(await _client.Execute(wf, new { cred = "nope" }));
        Assert.Equal("failed", (string?)missing["status"]);
        Assert.Contains("Credential 'nope' does not exist", (string?)missing.Step("wa")["errorMessage"]);
        var wrongKind = await _client.WaitFinished(await _client.Execute(wf, new { cred = crmName }));
        Assert.Contains("needs a 'whatsapp' one", (string?)wrongKind.Step("wa")["errorMessage"]);
    }
}
