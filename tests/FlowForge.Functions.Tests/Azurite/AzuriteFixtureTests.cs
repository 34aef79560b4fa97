using Azure.Data.Tables;

namespace FlowForge.Functions.Tests.Azurite;

/// <summary>The emulator the Table log's tests run on: it answers, and keeps what it is given.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteFixtureTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Azurite_CreatesATable_AndReadsBackAnUpsertedEntity()
    {
        var table = new TableClient(azurite.ConnectionString, "fixture" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync();

        await table.UpsertEntityAsync(new TableEntity("pk", "rk") { ["Value"] = "kept" });

        var read = await table.GetEntityAsync<TableEntity>("pk", "rk");
        Assert.Equal("kept", read.Value.GetString("Value"));
    }
}
