using System.Xml.Linq;
using FlowForge.Storage.Postgres;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace FlowForge.Server.Credentials;

/// <summary>
/// The Data Protection key ring in the <c>data_protection_keys</c> table, so every process on one PostgreSQL database
/// encrypts and decrypts with the same keys without a shared folder. The key manager calls it rarely (when it loads
/// or refreshes its ring, when it creates a key), and its interface is synchronous.
/// </summary>
internal sealed class PostgresKeyRepository(PostgresDatabase db) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.Open();
        using var cmd = new NpgsqlCommand("SELECT xml FROM data_protection_keys ORDER BY id", connection);
        using var reader = cmd.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = db.Open();
        using var cmd = new NpgsqlCommand("INSERT INTO data_protection_keys (friendly_name, xml) VALUES (@name, @xml)", connection);
        cmd.Parameters.AddWithValue("name", friendlyName);
        cmd.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        cmd.ExecuteNonQuery();
    }
}

/// <summary>
/// Makes sure the shared key ring has a usable key before anything encrypts, under an advisory lock. Without it, two
/// processes starting on an empty ring would each create a first key, activated at once, and each would encrypt with
/// its own until its ring refreshed (up to a day): a credential saved through one would not decrypt on the other.
/// Keys the key manager rolls later are created days before they activate, so every ring has them in time.
/// </summary>
internal sealed class KeyRingBootstrap(IServiceProvider services, IConfiguration configuration, ILoggerFactory loggers, TimeProvider clock)
{
    /// <summary>A first key's lifetime, as the key manager's own default.</summary>
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(90);

    public async Task EnsureKeyAsync(CancellationToken ct)
    {
        if (services.GetService<PostgresDatabase>() is not { } db) return;
        var keys = services.GetRequiredService<IKeyManager>();
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@key))", connection, tx))
        {
            lockCmd.Parameters.AddWithValue("key", "flowforge.keyring:" + (db.Schema ?? ""));
            await lockCmd.ExecuteNonQueryAsync(ct);
        }
        await ImportFolderAsync(db, connection, tx, ct);
        // Read under the lock: a process that waited here sees the key the first one created.
        var now = clock.GetUtcNow();
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now + TimeSpan.FromDays(2)))
            keys.CreateNewKey(now, now + KeyLifetime);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Upgrading a PostgreSQL deployment that kept its ring in a shared folder (<c>DataProtection__KeyPath</c>, before
    /// the ring moved into the database): while the table is empty, the folder's keys are copied in once, so what they
    /// encrypted stays readable. Under the caller's lock, so two processes do not both copy.
    /// </summary>
    private async Task ImportFolderAsync(PostgresDatabase db, NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        if (configuration["DataProtection:KeyPath"] is not { Length: > 0 } path || !Directory.Exists(path)) return;
        await using (var count = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM data_protection_keys)", connection, tx))
        {
            if ((bool)(await count.ExecuteScalarAsync(ct))!) return;
        }
        var folder = new FileSystemXmlRepository(new DirectoryInfo(path), loggers);
        var elements = folder.GetAllElements();
        var table = new PostgresKeyRepository(db);
        foreach (var element in elements) table.StoreElement(element, (string?)element.Attribute("id") is { } id ? "key-" + id : "imported");
        if (elements.Count > 0) Logs.KeyRingImported(loggers.CreateLogger<KeyRingBootstrap>(), elements.Count, path);
    }
}
