using FlowForge.Server.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace FlowForge.Server.Hosting;

/// <summary>
/// The OpenAPI document of the whole HTTP API (<c>/openapi/v1.json</c>) and its browsable reference (<c>/docs</c>), both
/// without an API key: the document is what clients (and the web app's generated types) are built from.
/// </summary>
internal static class OpenApiRegistration
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";
    private const string ApiKeyScheme = "ApiKey";
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddFlowForgeOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "FlowForge API",
                    Version = "v1",
                    Description = "Workflows, executions, triggers, credentials and API keys under /api (an API key is required); " +
                        "inbound trigger hooks under /hooks (each authenticates its own way). Every error is application/problem+json " +
                        "with a stable type (urn:flowforge:problem:...).",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "X-Api-Key",
                    Description = "An API key (ffk_...) in the X-Api-Key header.",
                };
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The same API key as a bearer token: Authorization: Bearer ffk_...",
                };
                return Task.CompletedTask;
            });
            // Handlers read their body by hand (JsonBody), so the generator cannot see it: the endpoint declares it.
            o.AddOperationTransformer(async (operation, context, ct) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<DocumentedBody>().FirstOrDefault() is not { } body) return;
                var schema = await context.GetOrCreateSchemaAsync(body.Type, null, ct);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = !body.Optional,
                    Content = body.ContentTypes.ToDictionary(t => t, _ => new OpenApiMediaType { Schema = schema }),
                };
            });
            // Only the endpoints that require an API key declare it; the hooks and /health are anonymous.
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any()) return Task.CompletedTask;
                operation.Security ??= [];
                // Two requirements, either satisfies: the key in its header or as a bearer token.
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] });
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapFlowForgeOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous().ExcludeFromDescription();
        app.MapScalarApiReference(ReferencePath, o => o.WithTitle("FlowForge API").WithOpenApiRoutePattern(DocumentPath))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
