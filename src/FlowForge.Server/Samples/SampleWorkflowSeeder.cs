using System.Text.Json;
using FlowForge.Core.Catalog;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Auth;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Samples;

/// <summary>The <c>Samples</c> configuration section.</summary>
public sealed class SampleOptions
{
    /// <summary>Seed (and publish) the sample workflow into an empty <c>default</c> organisation at start-up.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Gives a fresh install something to run at once: when the <c>default</c> organisation has no
/// workflows, creates and publishes "Hello FlowForge". Never touches an organisation that has work.
/// </summary>
public sealed class SampleWorkflowSeeder(IWorkflowStore store, NodeCatalog catalog, IOptions<SampleOptions> options, ILogger<SampleWorkflowSeeder> logger)
{
    /// <summary>A fixed id so the README's tour can name it.</summary>
    public const string SampleId = "wf_hello";

    public async Task SeedAsync(CancellationToken ct)
    {
        if (!options.Value.Enabled) return;
        var existing = await store.ListAsync(ApiKeyBootstrap.DefaultOrg, new WorkflowQuery(null, null, 1, 1), ct);
        if (existing.Total > 0) return;

        var definition = Load();
        var created = await store.CreateAsync(ApiKeyBootstrap.DefaultOrg, definition, SampleId, ct);
        var validation = WorkflowsApi.Check(definition.Graph, catalog);
        if (!validation.Valid)
        {
            logger.LogWarning("The sample workflow is not valid and stays a draft: {Errors}", string.Join("; ", validation.Errors.Select(e => e.Message)));
            return;
        }
        await store.PublishAsync(ApiKeyBootstrap.DefaultOrg, created.Id, created.Revision, ct);
        logger.LogInformation("Seeded and published the sample workflow {WorkflowId}", created.Id);
    }

    public static WorkflowDefinition Load()
    {
        using var stream = typeof(SampleWorkflowSeeder).Assembly.GetManifestResourceStream("FlowForge.Server.Samples.hello-workflow.json")!;
        var body = JsonSerializer.Deserialize<WorkflowBody>(stream, JsonDefaults.Options)!;
        var (definition, errors) = WorkflowBodyMapper.ToDefinition(body);
        return definition ?? throw new InvalidDataException("The embedded sample workflow is malformed: " + string.Join("; ", errors.Select(e => e.Field + ": " + e.Message)));
    }
}
