using FlowForge.Functions.ExecutionLog;
using FlowForge.Functions.Live;
using FlowForge.Functions.Tests.Azurite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FlowForge.Functions.Tests.ExecutionLog;

/// <summary>The settings FunctionsProgram hands to AddFlowForgeTableLog and AddFlowForgeLive, and what they register.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableLogRegistrationTests(AzuriteFixture azurite)
{
    private static IConfiguration Settings(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public async Task TheLog_UsesItsOwnConnectionString_BeforeAzureWebJobsStorage_AndCreatesItsTablesAtStart()
    {
        var prefix = "r" + Guid.NewGuid().ToString("N")[..10];
        var services = new ServiceCollection().AddFlowForgeTableLog(Settings(
            ("FlowForge:Tables:ConnectionString", azurite.ConnectionString),
            ("FlowForge:Tables:TablePrefix", prefix),
            ("AzureWebJobsStorage", "DefaultEndpointsProtocol=http;AccountName=nowhere;AccountKey=bm93aGVyZQ==;TableEndpoint=http://127.0.0.1:9/nowhere;")));
        await using var provider = services.BuildServiceProvider();

        foreach (var hosted in provider.GetServices<IHostedService>()) await hosted.StartAsync(default);

        var log = Assert.IsType<TableExecutionLog>(provider.GetRequiredService<IExecutionLog>());
        Assert.Equal(azurite.ConnectionString.Split("TableEndpoint=")[1].TrimEnd(';'), log.AccountUri.ToString().TrimEnd('/'));
        var created = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString).QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0);
        var names = new List<string>();
        await foreach (var t in created) names.Add(t.Name[prefix.Length..]);
        Assert.Equal(["executionids", "executions", "history", "idempotency", "open"], names.Order());
    }

    [Fact]
    public void TheLog_FallsBackToAzureWebJobsStorage_AndWithoutAnyConnectionStringSaysWhichToSet()
    {
        var services = new ServiceCollection().AddFlowForgeTableLog(Settings(("AzureWebJobsStorage", azurite.ConnectionString)));
        using var provider = services.BuildServiceProvider();
        Assert.IsType<TableExecutionLog>(provider.GetRequiredService<IExecutionLog>());

        var missing = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddFlowForgeTableLog(Settings()));
        Assert.Contains("FlowForge__Tables__ConnectionString", missing.Message);
    }

    [Fact]
    public void Live_IsANoOp_WithoutASignalRConnectionString_AndTheServicePublisher_WithOne()
    {
        using (var none = new ServiceCollection().AddLogging().AddFlowForgeLive(Settings()).BuildServiceProvider())
        {
            Assert.IsType<NullProgressPublisher>(none.GetRequiredService<IProgressPublisher>());
            Assert.Null(none.GetService<SignalRServiceRest>());
        }
        using var configured = new ServiceCollection().AddLogging().AddFlowForgeLive(Settings(
            ("Azure:SignalR:ConnectionString", "Endpoint=https://ff.service.signalr.net;AccessKey=a2V5;Version=1.0;"))).BuildServiceProvider();
        Assert.IsType<SignalRServicePublisher>(configured.GetRequiredService<IProgressPublisher>());
        var rest = configured.GetRequiredService<SignalRServiceRest>();
        Assert.Equal(("executions", "https://ff.service.signalr.net"), (rest.Hub, rest.Endpoint.Endpoint));
    }
}
