using System.Globalization;
using FlowForge.Server.Engine;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowForge.Server.Api;

/// <summary>A start refused by a per-organisation quota: 429 problem+json with Retry-After, naming the setting.</summary>
internal static class QuotaProblem
{
    public static ProblemHttpResult TooManyStarts(HttpResponse response, QuotaRefusal refusal)
    {
        response.Headers.RetryAfter = ((int)Math.Ceiling(refusal.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, "quota-exceeded", "Too many executions", refusal.Message,
            new Dictionary<string, object?> { ["setting"] = refusal.Setting });
    }
}
