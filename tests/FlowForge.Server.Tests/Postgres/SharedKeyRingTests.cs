using System.Net;
using FlowForge.Server.Tests.Infrastructure;
using FlowForge.Server.Tests.Nodes.Actions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FlowForge.Server.Tests.Postgres;

/// <summary>
/// The Data Protection key ring in the database: two real server processes on one PostgreSQL schema, started together
/// on an empty ring and given no shared folder, encrypt and decrypt with the same key.
/// </summary>
public sealed class SharedKeyRingTests
{
    private const string Key = "ffk_test_keyring_0123456789abcdef";

    [Fact]
    [Trait("Category", "Slow")]
    public async Task TwoProcesses_StartedTogether_ShareOneKey_ACredentialSavedThroughOneIsUsedByTheOther()
    {
        var schema = $"t_{Guid.NewGuid():N}";
        await using var provider = await ProviderFake.StartAsync(ServerProcess.FreePort());
        var root = Path.Combine(Path.GetTempPath(), "flowforge-tests", schema);
        try
        {
            // The API process runs no engine; the worker process runs it, so the step (and its decryption) happens there.
            var api = Start("api", new() { ["Engine__Dispatcher"] = "false", ["Engine__Workers"] = "false" });
            var worker = Start("worker", []);
            await using var first = await api;
            await using var second = await worker;

            // One key for both, though both found the ring empty at once.
            Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM \"{schema}\".data_protection_keys"));
            // No folder was written: the ring lives only in the database.
            Assert.Empty(Directory.EnumerateDirectories(root, "keys", SearchOption.AllDirectories));

            using var client = first.Client(Key);
            var token = "keyring-token-" + Guid.NewGuid().ToString("N");
            await (await client.PostJson("/api/credentials",
                new { name = "wa", kind = "whatsapp", values = new { accessToken = token, phoneNumberId = "77", baseUrl = provider.BaseUrl + "/graph" } }))
                .Expect(HttpStatusCode.Created);
            var workflow = await client.Publish("""
                { "name": "keyring", "nodes": [
                    { "id": "t", "type": "trigger_manual" },
                    { "id": "wa", "type": "action_whatsapp", "config": { "recipient": "+15559990077", "messageTemplate": "shared ring", "credential": "wa" } } ],
                  "edges": [ { "source": "t", "target": "wa" } ] }
                """);
            var id = await client.Execute(workflow);
            var done = await client.WaitFinished(id, TimeSpan.FromSeconds(60));

            Assert.Equal("completed", (string?)done["status"]);
            var request = Assert.Single(provider.For(id));
            Assert.Equal($"Bearer {token}", request.Header("Authorization"));
        }
        finally
        {
            await ScalarAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }

        Task<ServerProcess> Start(string name, Dictionary<string, string> settings)
        {
            var directory = Path.Combine(root, name);
            Directory.CreateDirectory(directory);
            settings["Storage__Provider"] = "postgres";
            settings["Storage__ConnectionString"] = PostgresServerFixture.SchemaConnectionString(schema);
            settings["Auth__Keys__0__Organization"] = "org-keyring";
            settings["Auth__Keys__0__Key"] = Key;
            settings["Samples__Enabled"] = "false";
            settings["Egress__AllowPrivateNetworks"] = "true";
            settings["Engine__PollInterval"] = "00:00:00.200";
            return ServerProcess.StartAsync(directory, settings);
        }
    }

    private static async Task<long?> ScalarAsync(string sql)
    {
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServerFixture.ServerConnectionString) { Pooling = false }.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync() as long?;
    }
}

/// <summary>Upgrading a PostgreSQL deployment whose ring was a shared folder: its keys move into the database, so what they encrypted still decrypts.</summary>
public sealed class KeyRingUpgradeTests
{
    [Fact]
    public async Task Start_OnAnEmptyTableWithAKeyFolder_CopiesTheFolderKeys_AndDecryptsWhatTheyProtected()
    {
        var schema = $"t_{Guid.NewGuid():N}";
        var folder = Path.Combine(Path.GetTempPath(), "flowforge-tests", schema + "-old-keys");
        var before = DataProtectionProvider
            .Create(new DirectoryInfo(folder), b => b.SetApplicationName("FlowForge"))
            .CreateProtector("FlowForge.Credentials.v1", "org:org-a");
        var protectedBefore = before.Protect("written before the upgrade");

        var server = PostgresServerFixture.OnSchema(schema, new Dictionary<string, string?> { ["DataProtection:KeyPath"] = folder });
        await server.InitializeAsync();
        try
        {
            var after = server.Services.GetRequiredService<IDataProtectionProvider>()
                .CreateProtector("FlowForge.Credentials.v1", "org:org-a");
            Assert.Equal("written before the upgrade", after.Unprotect(protectedBefore));
            // The folder's one key, copied; no new key was made for an empty ring.
            await using var c = new NpgsqlConnection(PostgresServerFixture.SchemaConnectionString(schema));
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM data_protection_keys", c);
            Assert.Equal(1L, await cmd.ExecuteScalarAsync());
        }
        finally
        {
            await server.DisposeAsync();
            await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServerFixture.ServerConnectionString) { Pooling = false }.ConnectionString);
            await c.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", c);
            await drop.ExecuteNonQueryAsync();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
