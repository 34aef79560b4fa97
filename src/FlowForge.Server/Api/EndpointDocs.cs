namespace FlowForge.Server.Api;

/// <summary>
/// What the OpenAPI generator cannot see on its own: handlers read their JSON body through <see cref="JsonBody"/>
/// (for its problem+json answers) rather than binding it, and return every error as one <c>ProblemHttpResult</c>
/// whose status is chosen at run time. These declare both, so each Map method lists its body and its error statuses.
/// </summary>
internal static class EndpointDocs
{
    /// <summary>The JSON request body <typeparamref name="T"/>, and the answers <see cref="JsonBody"/> gives to a bad one (400, 413, 415).</summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder, bool optional = false) where T : notnull =>
        builder.Body<T>(optional, "application/json")
            .Problems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

    /// <summary>
    /// A request body for the document only. Not <c>Accepts</c>: its metadata also takes part in routing, which would
    /// answer a wrong content type with a bare 415 before the handler's own problem+json.
    /// </summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder, bool optional, params string[] contentTypes) =>
        builder.WithMetadata(new DocumentedBody(typeof(T), optional, contentTypes));

    /// <summary>The problem+json answers the handler can give, besides those its group declares.</summary>
    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.ProducesProblem(status);
        return builder;
    }
}

/// <summary>The request body an endpoint reads by hand, for the API document (see <see cref="EndpointDocs.Body{T}"/>).</summary>
internal sealed record DocumentedBody(Type Type, bool Optional, IReadOnlyList<string> ContentTypes);
