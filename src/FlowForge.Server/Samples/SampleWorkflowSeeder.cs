using System.Text.Json;
using FlowForge.Core.Model;
using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Auth;
using FlowForge.Server.Publishing;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Samples;

/// <summary>The <c>Samples</c> configuration section.</summary>
internal sealed class SampleOptions
{
    /// <summary>Seed (and publish) the sample workflow into an empty <c>default</c> organisation at start-up.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Gives a fresh install something to run at once: when the <c>default</c> organisation has no
/// workflows, creates and publishes the samples ("Hello FlowForge", "Customer message triage"). Never
/// touches an organisation that has work.
/// </summary>
internal sealed class SampleWorkflowSeeder(
    IWorkflowStore store, WorkflowPublisher publisher, IOptions<SampleOptions> options, ILogger<SampleWorkflowSeeder> logger)
{
    /// <summary>The samples, with fixed ids so the README's tour can name them, and the embedded file each is read from.</summary>
    public static readonly IReadOnlyList<(string Id, string Resource)> Samples =
    [
        ("wf_hello", "hello-workflow.json"),
        ("wf_triage", "triage-workflow.json"),
    ];

    public async Task SeedAsync(CancellationToken ct)
    {
        if (!options.Value.Enabled) return;
        var existing = await store.ListAsync(ApiKeyBootstrap.DefaultOrg, new WorkflowQuery(null, null, 1, 1), ct);
        if (existing.Total > 0) return;

        foreach (var (id, resource) in Samples)
        {
            var definition = Load(resource);
            var created = await store.CreateAsync(ApiKeyBootstrap.DefaultOrg, definition, id, ct);
            // As a publish through the API: validated, then its triggers (the WhatsApp one of the triage sample) go live.
            var (status, validation, _, _) = await publisher.PublishAsync(created, null, ct);
            if (status == PublishStatus.Invalid)
            {
                Logs.SampleWorkflowInvalid(logger, id, string.Join("; ", validation.Errors.Select(e => e.Message)));
                continue;
            }
            Logs.SampleWorkflowSeeded(logger, created.Id);
        }
    }

    public static WorkflowDefinition Load(string resource)
    {
        using var stream = typeof(SampleWorkflowSeeder).Assembly.GetManifestResourceStream("FlowForge.Server.Samples." + resource)
            ?? throw new InvalidDataException($"No embedded sample '{resource}'.");
        var body = JsonSerializer.Deserialize<WorkflowBody>(stream, JsonDefaults.Options)!;
        var (definition, errors) = WorkflowBodyMapper.ToDefinition(body);
        return definition ?? throw new InvalidDataException($"The embedded sample {resource} is malformed: " + string.Join("; ", errors.Select(e => e.Field + ": " + e.Message)));
    }
}
