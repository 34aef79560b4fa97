using FlowForge.Core.Storage;
using FlowForge.Server.Api;
using FlowForge.Server.Api.Hooks;
using FlowForge.Server.Engine;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FlowForge.Functions.Api;

/// <summary>
/// <c>/hooks/{endpointKey}</c>: a published workflow's webhook trigger, through the server's handler
/// (<see cref="WebhookHooksApi.Webhook"/>): the same size, content-type, token and Standard Webhooks signature checks,
/// dedup and answers. Its trigger rows and signing secrets are the server's (shared database and key ring).
/// </summary>
internal static class HookFunctions
{
    [Function("Webhook")]
    public static Task<IResult> Webhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = "hooks/{endpointKey}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, string endpointKey) =>
        FunctionRequest.AnonymousAsync(request, client, "Webhook", async (http, ct) => await WebhookHooksApi.Webhook(
            http, endpointKey, http.Service<ITriggerStore>(), http.Service<TriggerIntake>(), http.Service<WebhookSecrets>(),
            http.Service<IOptions<TriggerOptions>>(), http.Service<IOptions<RequestLimits>>(), http.Service<TimeProvider>(),
            http.Service<ExecutionEvents>(), http.Service<IExecutionClientStore>(), http.Service<RefusedDeliveries>(), ct));
}
