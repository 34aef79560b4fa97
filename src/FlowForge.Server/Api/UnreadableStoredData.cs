using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api;

/// <summary>
/// Stored data that cannot be read back (damaged, or written by a build that allowed more) is the caller's problem to
/// see, a 422 <c>stored-data-unreadable</c>, not a 500: every read path that deserialises stored executions or
/// history goes through <see cref="ReadAsync{T}"/> (or checks <see cref="IsUnreadable"/>).
/// </summary>
internal static class UnreadableStoredData
{
    public static bool IsUnreadable(Exception e) => e is JsonException or InvalidDataException or NotSupportedException or InsufficientExecutionStackException;

    /// <param name="what">What was read, as the start of a sentence: "Execution 'x'".</param>
    public static ProblemHttpResult Problem(string what, Exception e) =>
        Problems.Create(StatusCodes.Status422UnprocessableEntity, "stored-data-unreadable", "Stored data cannot be read",
            $"{what} has stored data this server cannot read ({e.GetType().Name}: {e.Message}).");

    /// <summary>Runs <paramref name="read"/>; unreadable stored data becomes the problem instead of an exception.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(string what, Func<Task<T>> read)
    {
        try
        {
            return (await read(), null);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return (default, Problem(what, e));
        }
    }
}
