namespace FlowForge.Server.Api.Hooks;

/// <summary>
/// The inbound trigger endpoints, outside <c>/api</c> (no API key): each authenticates its own way. Every request is
/// size-checked (413), its content type checked (415) and its credentials checked (401) before anything is parsed or
/// written; an accepted event is committed before the answer. One class per hook family:
/// <see cref="WebhookHooksApi"/>, <see cref="WhatsAppHooksApi"/>, <see cref="InboundHooksApi"/> (email and voice).
/// </summary>
internal static class HooksApi
{
    public static IEndpointRouteBuilder MapHooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/hooks").WithTags("Hooks").AllowAnonymous();
        hooks.MapWhatsAppHooks();
        hooks.MapInboundHooks();
        // Last, for reading order only: routing prefers the literal segments above to this parameter whatever the order.
        hooks.MapWebhookHooks();
        return app;
    }
}
