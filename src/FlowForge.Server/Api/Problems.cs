using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FlowForge.Server.Api;

/// <summary>
/// Every API error is <c>application/problem+json</c> with a stable <c>type</c>, so clients can
/// branch on the type and show the <c>detail</c> to a person.
/// </summary>
internal static class Problems
{
    public const string TypePrefix = "urn:flowforge:problem:";

    public static ProblemHttpResult Create(int status, string slug, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = TypePrefix + slug, Title = title, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        }
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult NotFound(string what, string id) =>
        Create(StatusCodes.Status404NotFound, "not-found", "Not found", $"{what} '{id}' does not exist.");

    public static ProblemHttpResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        Create(StatusCodes.Status400BadRequest, "bad-request", "The request is not valid", detail, extensions);

    public static ProblemHttpResult InvalidBody(string detail, IReadOnlyList<FieldError>? errors = null) =>
        Create(StatusCodes.Status400BadRequest, "invalid-body", "The request body is not valid", detail,
            errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult Conflict(string slug, string detail, IDictionary<string, object?>? extensions = null) =>
        Create(StatusCodes.Status409Conflict, slug, "Conflict", detail, extensions);
}

/// <summary>One problem with one field of a request body; <c>field</c> is a JSON path such as <c>nodes[2].type</c>.</summary>
internal sealed record FieldError(string Field, string Message);
