using System.Security.Cryptography;
using System.Text;
using FlowForge.Server.Api.Hooks;
using FlowForge.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace FlowForge.Server.Tests.Security;

/// <summary>API keys (how they are made and stored) and the hook token a request presents.</summary>
public sealed class CredentialShapeTests
{
    [Fact]
    public void ApiKeys_Are32RandomBytes_StoredAsTheirSha256()
    {
        var key = ApiKeys.Generate();

        Assert.Matches("^ffk_[A-Za-z0-9_-]{43}$", key);
        Assert.NotEqual(key, ApiKeys.Generate());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))), ApiKeys.Hash(key));
        Assert.NotEqual(ApiKeys.Hash(key), ApiKeys.Hash(key + "x"));
    }

    /// <summary>A configured key entry missing a field stays empty (and is skipped at start-up), never a made-up value.</summary>
    [Fact]
    public void AConfiguredKey_DefaultsToEmpty()
    {
        var configured = new AuthOptions.ConfiguredKey();

        Assert.Equal("", configured.Organization);
        Assert.Equal("", configured.Key);
    }

    [Theory]
    [InlineData("ffk_abcdefgh", "ffk_abcd")]
    [InlineData("ffk_abcd", "ffk_abcd")]
    [InlineData("short", "short")]
    [InlineData("", "")]
    public void ApiKeyPrefix_ShowsAtMostEightCharacters(string key, string prefix) => Assert.Equal(prefix, ApiKeys.Prefix(key));

    [Theory]
    [InlineData("Bearer fft_abc", null, "fft_abc")]
    [InlineData("bearer fft_abc ", null, "fft_abc")]
    [InlineData("Bearer fft_abc", "fft_header", "fft_abc")]
    [InlineData(null, "fft_header", "fft_header")]
    [InlineData("Bearer ", "fft_header", "fft_header")]
    [InlineData("Basic dXNlcjpwdw==", "fft_header", "fft_header")]
    [InlineData("Basic dXNlcjpwdw==", null, null)]
    [InlineData("Bearer ", null, null)]
    [InlineData(null, null, null)]
    public void HookToken_IsTheBearerToken_ElseTheWebhookTokenHeader(string? authorization, string? header, string? presented)
    {
        var request = new DefaultHttpContext().Request;
        if (authorization is not null) request.Headers.Authorization = authorization;
        if (header is not null) request.Headers["X-Webhook-Token"] = header;

        Assert.Equal(presented, HookAuth.PresentedToken(request));
    }

    [Fact]
    public void HookUnauthorized_IsA401Problem()
    {
        var problem = HookAuth.Unauthorized("why");

        Assert.Equal(StatusCodes.Status401Unauthorized, problem.StatusCode);
        Assert.Equal("why", problem.ProblemDetails.Detail);
        Assert.Equal("Unauthorized", problem.ProblemDetails.Title);
        Assert.Equal(FlowForge.Server.Api.Problems.TypePrefix + "unauthorized", problem.ProblemDetails.Type);
    }
}

/// <summary>The hook's signature check reads the three Standard Webhooks headers and the configured tolerance.</summary>
public sealed class HookSignatureHeaderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    [Fact]
    public void CheckSignature_ReadsTheHeaders_AndTheTolerance()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var sentAt = Now.AddMinutes(-10);
        var request = new DefaultHttpContext().Request;
        request.Headers["webhook-id"] = "msg_1";
        request.Headers["webhook-timestamp"] = sentAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        request.Headers["webhook-signature"] = FlowForge.Server.Triggers.WebhookSecrets.Sign(Secret, "msg_1", sentAt.ToUnixTimeSeconds(), body);

        Assert.Null(HookAuth.CheckSignature(request, body, [Secret], Now, new() { SignatureTolerance = TimeSpan.FromMinutes(15) }));
        var refused = HookAuth.CheckSignature(request, body, [Secret], Now, new() { SignatureTolerance = TimeSpan.FromMinutes(5) });
        Assert.NotNull(refused);
        Assert.Equal(StatusCodes.Status401Unauthorized, refused.StatusCode);
        Assert.StartsWith("webhook-timestamp is more than 5 minutes away", refused.ProblemDetails.Detail);
    }
}
