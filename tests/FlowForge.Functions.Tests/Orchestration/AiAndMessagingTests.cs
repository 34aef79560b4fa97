using FlowForge.Core.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Functions.Tests.Orchestration;

/// <summary>
/// AI utilities and messaging actions through the orchestration: the server's triage sample (built-in sentiment and
/// intent → condition → email or WhatsApp) with no provider configured, so its messages land in the server's outbox —
/// once per step, as on the server.
/// </summary>
[Collection(OrchestrationCollection.Name)]
public sealed class AiAndMessagingTests(OrchestrationHost host)
{
    private static string Sample()
    {
        using var stream = typeof(FlowForge.Server.Samples.SampleWorkflowSeeder).Assembly.GetManifestResourceStream("FlowForge.Server.Samples.triage-workflow.json")!;
        return new StreamReader(stream).ReadToEnd();
    }

    [Theory]
    [InlineData("This is terrible, I want a refund now", "escalate", "email", "support@example.com")]
    [InlineData("Thank you, the delivery was great", "thank", "whatsapp", "15550002")] // the WhatsApp recipient is sent as digits
    public async Task TriageSample_ScoresTheMessage_AndDeliversOneMessageToTheOutbox(string text, string branch, string channel, string recipient)
    {
        var wf = await host.PublishAsync(Sample());
        var id = await host.StartAsync(wf, new { message_text = text, phone_number = "+15550002" });
        var done = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.Instance.RuntimeStatus);
        Assert.Equal(ExecutionStatus.Completed, done.Record.Status);
        Assert.True(done.Ran("sentiment") && done.Ran("intent"), "the AI utilities ran");
        Assert.NotNull(done.Step("sentiment").Output!["sentiment"]);
        Assert.True(done.Ran(branch), $"the {branch} branch ran");
        Assert.False(done.Ran(branch == "escalate" ? "thank" : "escalate"), "only one branch ran");

        var outbox = await host.Services.GetRequiredService<IOutboxStore>().ListAsync(OrchestrationHost.Org, new OutboxQuery(id, null, 1, 10));
        var message = Assert.Single(outbox.Items);
        Assert.Equal(channel, message.Channel);
        Assert.Equal(recipient, message.Recipient);
        Assert.Equal(branch, message.StepKey);
    }
}
