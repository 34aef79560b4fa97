using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api;

/// <summary>Page/limit query parameters: page 1..<see cref="MaxPage"/>, limit 1..100 (default 20).</summary>
internal readonly record struct Paging(int Page, int Limit, ProblemHttpResult? Problem)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>
    /// The highest page asked for: far beyond any real list, and low enough that the row offset
    /// (page - 1) × limit never overflows (page=2147483647 used to wrap round to the first page).
    /// </summary>
    public const int MaxPage = 1_000_000;

    public static Paging Parse(string? page, string? limit)
    {
        var p = 1;
        var l = DefaultLimit;
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p < 1 || p > MaxPage))
        {
            return new(0, 0, Problems.BadRequest($"'page' must be a whole number from 1 to {MaxPage}, not '{page}'."));
        }
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out l) || l < 1 || l > MaxLimit))
        {
            return new(0, 0, Problems.BadRequest($"'limit' must be a whole number from 1 to {MaxLimit}, not '{limit}'."));
        }
        return new(p, l, null);
    }

    public static int Pages(int total, int limit) => total == 0 ? 0 : (total + limit - 1) / limit;
}
