using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api;

/// <summary>Page/limit query parameters: page from 1, limit 1..100 (default 20).</summary>
public readonly record struct Paging(int Page, int Limit, ProblemHttpResult? Problem)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static Paging Parse(string? page, string? limit)
    {
        var p = 1;
        var l = DefaultLimit;
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p < 1))
        {
            return new(0, 0, Problems.BadRequest($"'page' must be a whole number from 1, not '{page}'."));
        }
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out l) || l < 1 || l > MaxLimit))
        {
            return new(0, 0, Problems.BadRequest($"'limit' must be a whole number from 1 to {MaxLimit}, not '{limit}'."));
        }
        return new(p, l, null);
    }

    public static int Pages(int total, int limit) => total == 0 ? 0 : (total + limit - 1) / limit;
}
