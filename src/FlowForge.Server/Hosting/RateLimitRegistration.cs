using System.Globalization;
using System.Threading.RateLimiting;
using FlowForge.Server.Api;
using FlowForge.Server.Auth;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Hosting;

/// <summary>
/// Request rate limits with ASP.NET Core's rate limiter: a token bucket per API key on <c>/api</c> and per webhook URL
/// on <c>/hooks/{endpointKey}</c>. Over the limit a request gets 429 problem+json with <c>Retry-After</c>; nothing else
/// is affected. The fixed provider hooks (<c>/hooks/whatsapp|email|voice</c>) are not limited here: they carry every
/// tenant's traffic from one provider, so one bucket for them would let one sender block all the others.
/// </summary>
internal static class RateLimitRegistration
{
    public const string PerKey = "per-key";
    public const string PerWebhook = "per-webhook";

    public static IServiceCollection AddFlowForgeRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<RateLimitOptions>(configuration, "RateLimits");
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = OnRejectedAsync;
            o.AddPolicy(PerKey, http =>
            {
                var limits = Limits(http);
                // The authenticated key's id, never the raw header: a made-up key gets no bucket of its own, it shares its address's.
                var partition = http.User.KeyId() is { } keyId ? "key:" + keyId : "ip:" + http.Connection.RemoteIpAddress;
                return Bucket(partition, limits.PerKeyPerSecond, limits.PerKeyBurst);
            });
            o.AddPolicy(PerWebhook, http =>
            {
                var limits = Limits(http);
                var endpointKey = http.Request.RouteValues["endpointKey"] as string ?? "";
                // Unknown keys answer 404 cheaply; the cap only stops an over-long key from becoming a long-lived partition name.
                return Bucket("hook:" + (endpointKey.Length > 128 ? endpointKey[..128] : endpointKey), limits.PerWebhookPerSecond, limits.PerWebhookBurst);
            });
        });
        return services;
    }

    private static RateLimitOptions Limits(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;

    private static RateLimitPartition<string> Bucket(string partition, int perSecond, int burst) =>
        perSecond <= 0
            ? RateLimitPartition.GetNoLimiter("off")
            : RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(burst, 1),
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0, // refuse at once: a queued request would only hold a connection open
                AutoReplenishment = true,
            });

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var limits = Limits(http);
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        var policy = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
        var detail = policy == PerWebhook
            ? $"This webhook received more than {limits.PerWebhookPerSecond} requests per second (bursts up to {limits.PerWebhookBurst}); retry after {retryAfter} s. " +
              "The limits are RateLimits__PerWebhookPerSecond and RateLimits__PerWebhookBurst."
            : $"More than {limits.PerKeyPerSecond} requests per second (bursts up to {limits.PerKeyBurst}) " +
              (http.User.KeyId() is null ? "came from this address without a valid API key" : "were made with this API key") +
              $"; retry after {retryAfter} s. The limits are RateLimits__PerKeyPerSecond and RateLimits__PerKeyBurst.";
        var problem = Problems.Create(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests", detail,
            new Dictionary<string, object?> { ["retryAfterSeconds"] = retryAfter });
        await problem.ExecuteAsync(http);
    }
}
