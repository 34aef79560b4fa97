using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
            // Handlers read their body by hand (JsonBody), so the generator cannot see it: the endpoint declares it. The
            // body's schema is a named component, like the responses', so generated client types carry its name.
            o.AddOperationTransformer(async (operation, context, ct) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<DocumentedBody>().FirstOrDefault() is not { } body) return;
                var id = body.Type.Name;
                var document = context.Document!;
                if (document.Components?.Schemas?.ContainsKey(id) != true)
                {
                    document.AddComponent(id, await context.GetOrCreateSchemaAsync(body.Type, null, ct));
                }
                var example = Example(body.Type);
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = !body.Optional,
                    Content = body.ContentTypes.ToDictionary(t => t, t => new OpenApiMediaType
                    {
                        Schema = new OpenApiSchemaReference(id, document),
                        Example = t == "application/json" ? example?.DeepClone() : null,
                    }),
                };
            });
            // The server reads numbers written as strings too (the web defaults), so the generator types every number
            // as number-or-string with a pattern; clients should send numbers and always receive numbers: say so.
            o.AddSchemaTransformer((schema, _, _) =>
            {
                if (schema.Type is { } type && (type & (JsonSchemaType.Number | JsonSchemaType.Integer)) != 0)
                {
                    schema.Type = type & ~JsonSchemaType.String;
                    schema.Pattern = null; // the digits-only pattern is for the string form
                }
                return Task.CompletedTask;
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

    /// <summary>The body type's <see cref="BodyExampleAttribute"/> (its JSON, without the words after it), for the reference's "try it".</summary>
    private static JsonNode? Example(Type type)
    {
        if (type.GetCustomAttribute<BodyExampleAttribute>()?.Example is not { } text) return null;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text));
        return JsonNode.Parse(ref reader);
    }

    public static WebApplication MapFlowForgeOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous().ExcludeFromDescription();
        app.MapScalarApiReference(ReferencePath, o => o.WithTitle("FlowForge API").WithOpenApiRoutePattern(DocumentPath))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
