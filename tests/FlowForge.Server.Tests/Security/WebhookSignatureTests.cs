using System.Security.Cryptography;
using System.Text;
using FlowForge.Server.Triggers;
using Microsoft.AspNetCore.DataProtection;

namespace FlowForge.Server.Tests.Security;

/// <summary>
/// Standard Webhooks verification, edge by edge: what is signed (id, timestamp, body), the tolerance both ways and at
/// its boundary, several signatures and secrets, and malformed input that must be refused, never thrown. The hook tests
/// (Triggers/WebhookTriggerTests) cover the same over HTTP; these pin each rule so a one-line change to one is seen.
/// </summary>
public sealed class WebhookSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"name":"Ada"}""");
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static string Ts(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static WebhookSecrets.SignatureCheck Verify(string? id, string? timestamp, string? signatures, byte[]? body = null, params string[] secrets) =>
        WebhookSecrets.Verify(secrets.Length == 0 ? [Secret] : secrets, id, timestamp, signatures, body ?? Body, Now, Tolerance);

    private static string Signed(string id, DateTimeOffset at, byte[]? body = null, string secret = Secret) =>
        WebhookSecrets.Sign(secret, id, at.ToUnixTimeSeconds(), body ?? Body);

    [Fact]
    public void Sign_IsTheStandardWebhooksHmac_OfIdTimestampAndBody()
    {
        // Computed independently of Sign: HMAC-SHA256 over "id.timestamp.body" keyed with the secret's base64-decoded bytes.
        var key = Convert.FromBase64String(Secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("msg_1.1800000000." + """{"name":"Ada"}""")));

        Assert.Equal(expected, Signed("msg_1", Now));
        // The prefix is optional: the same bytes sign the same way.
        Assert.Equal(expected, WebhookSecrets.Sign(Secret["whsec_".Length..], "msg_1", Now.ToUnixTimeSeconds(), Body));
        var notASecret = Assert.Throws<ArgumentException>(() => WebhookSecrets.Sign("whsec_not base64!", "msg_1", 1, Body));
        Assert.StartsWith("Not a whsec_ secret.", notASecret.Message);
    }

    [Fact]
    public void ValidSignature_IsAccepted()
    {
        var check = Verify("msg_1", Ts(Now), Signed("msg_1", Now));

        Assert.True(check.Valid);
        Assert.Null(check.Error);
    }

    [Theory]
    [InlineData(null, "ts", "sig")]
    [InlineData("", "ts", "sig")]
    [InlineData("msg_1", null, "sig")]
    [InlineData("msg_1", "", "sig")]
    [InlineData("msg_1", "ts", null)]
    [InlineData("msg_1", "ts", "")]
    public void AMissingHeader_IsRefused(string? id, string? timestamp, string? signature)
    {
        var check = Verify(id, timestamp == "ts" ? Ts(Now) : timestamp, signature == "sig" ? Signed("msg_1", Now) : signature);

        Assert.False(check.Valid);
        Assert.Equal("The webhook-id, webhook-timestamp and webhook-signature headers are required (Standard Webhooks).", check.Error);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-1800000000")]
    [InlineData("+1800000000")]
    [InlineData(" 1800000000")]
    [InlineData("1800000000.5")]
    [InlineData("99999999999999999999999")]
    public void ATimestampThatIsNotWholeSeconds_IsRefused(string timestamp)
    {
        var check = Verify("msg_1", timestamp, Signed("msg_1", Now));

        Assert.False(check.Valid);
        Assert.Equal("webhook-timestamp must be whole seconds since the Unix epoch.", check.Error);
    }

    /// <summary>Exactly at the tolerance is still accepted, one second past it is not: in the past and in the future alike.</summary>
    [Theory]
    [InlineData(-300, true)]
    [InlineData(300, true)]
    [InlineData(-301, false)]
    [InlineData(301, false)]
    [InlineData(-31_536_000, false)]
    [InlineData(31_536_000, false)]
    public void TheTolerance_HoldsBothWays_UpToItsBoundary(int offsetSeconds, bool accepted)
    {
        var at = Now.AddSeconds(offsetSeconds);

        var check = Verify("msg_1", Ts(at), Signed("msg_1", at));

        Assert.Equal(accepted, check.Valid);
        if (!accepted)
        {
            Assert.Equal("webhook-timestamp is more than 5 minutes away from the server's clock (replayed or delayed message).", check.Error);
        }
    }

    /// <summary>A timestamp far beyond any date (year 9999 and past it) is refused for the tolerance, not thrown on.</summary>
    [Theory]
    [InlineData("253402300800")]
    [InlineData("9223372036854775807")]
    [InlineData("0")]
    public void AnExtremeTimestamp_IsOutsideTheTolerance(string timestamp)
    {
        var check = Verify("msg_1", timestamp, "v1,AAAA");

        Assert.False(check.Valid);
        Assert.StartsWith("webhook-timestamp is more than 5 minutes away", check.Error);
    }

    [Fact]
    public void TheSignatureCovers_TheBody_TheId_AndTheTimestamp()
    {
        var signature = Signed("msg_1", Now);
        const string NoMatch = "No webhook-signature matches the body with the endpoint's secret.";

        Assert.Equal(NoMatch, Verify("msg_1", Ts(Now), signature, Encoding.UTF8.GetBytes("""{"name":"Eve"}""")).Error);
        Assert.Equal(NoMatch, Verify("msg_2", Ts(Now), signature).Error);
        Assert.Equal(NoMatch, Verify("msg_1", Ts(Now.AddSeconds(1)), signature).Error);
        Assert.Equal(NoMatch, Verify("msg_1", Ts(Now), signature, null, "whsec_" + Convert.ToBase64String(new byte[24])).Error);
    }

    [Fact]
    public void AnySpaceSeparatedV1Signature_MayMatch_OthersAreSkipped()
    {
        var good = Signed("msg_1", Now);
        var forged = "v1," + Convert.ToBase64String(new byte[32]);

        Assert.True(Verify("msg_1", Ts(Now), $"{forged} {good}").Valid);
        Assert.True(Verify("msg_1", Ts(Now), $"{good} {forged}").Valid);
        // Every pair is compared (no early exit): a signature repeated, or matching under two secrets, is still a match.
        Assert.True(Verify("msg_1", Ts(Now), $"{good} {good}").Valid);
        Assert.True(Verify("msg_1", Ts(Now), good, null, Secret, Secret).Valid);
        // Other versions, and v1 entries that are not base64, are skipped, not fatal.
        Assert.True(Verify("msg_1", Ts(Now), $"v2,{good[3..]}  v1,!!notbase64!! {good}").Valid);
        // The version is case-sensitive and must be followed by a comma.
        Assert.False(Verify("msg_1", Ts(Now), "V1" + good[2..]).Valid);
        Assert.False(Verify("msg_1", Ts(Now), forged).Valid);
    }

    [Theory]
    [InlineData("v2,c2lnbmF0dXJl")]
    [InlineData("v1,!!notbase64!!")]
    [InlineData("v1c2lnbmF0dXJl")]
    [InlineData("   ")]
    public void NoUsableV1Signature_IsSaidSo(string signatures)
    {
        var check = Verify("msg_1", Ts(Now), signatures);

        Assert.False(check.Valid);
        Assert.Equal("webhook-signature has no v1 signature.", check.Error);
    }

    /// <summary>During a rotation both secrets are tried; a secret that is not base64 (a corrupt row) is skipped, not fatal.</summary>
    [Fact]
    public void AnyOfTheSecrets_MayMatch()
    {
        var next = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var signedWithNext = Signed("msg_1", Now, null, next);

        Assert.True(Verify("msg_1", Ts(Now), signedWithNext, null, Secret, next).Valid);
        Assert.True(Verify("msg_1", Ts(Now), signedWithNext, null, "whsec_corrupt!", next).Valid);
        Assert.False(Verify("msg_1", Ts(Now), signedWithNext, null, Secret).Valid);
        Assert.False(WebhookSecrets.Verify([], "msg_1", Ts(Now), signedWithNext, Body, Now, Tolerance).Valid);
    }

    [Fact]
    public void HubSignature_IsTheHexHmacOfTheRawBody_WithTheAppSecret()
    {
        const string AppSecret = "app-secret";
        var hex = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AppSecret), Body));

        Assert.True(WebhookSecrets.VerifyHubSignature(AppSecret, "sha256=" + hex, Body));
        Assert.True(WebhookSecrets.VerifyHubSignature(AppSecret, "SHA256=" + hex.ToUpperInvariant(), Body));
        Assert.False(WebhookSecrets.VerifyHubSignature("other-secret", "sha256=" + hex, Body));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, "sha256=" + hex, Encoding.UTF8.GetBytes("{}")));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, "sha1=" + hex, Body));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, "sha512=" + hex, Body));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, hex, Body));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, "sha256=" + hex[..^2], Body));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, "sha256=zz" + hex[2..], Body));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, "sha256=", Body));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, "", Body));
        Assert.False(WebhookSecrets.VerifyHubSignature(AppSecret, null, Body));
    }

    [Fact]
    public void Tokens_AreComparedByTheirStoredHash()
    {
        var token = WebhookSecrets.NewToken();
        var stored = WebhookSecrets.HashToken(token);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), stored);
        Assert.True(WebhookSecrets.TokenMatches(token, stored));
        Assert.False(WebhookSecrets.TokenMatches(token + "x", stored));
        Assert.False(WebhookSecrets.TokenMatches(token, null));
        Assert.False(WebhookSecrets.TokenMatches(token, stored.ToUpperInvariant()));
    }

    [Fact]
    public void ConstantTimeEquals_ComparesWholeStrings()
    {
        Assert.True(WebhookSecrets.ConstantTimeEquals("verify-me", "verify-me"));
        Assert.False(WebhookSecrets.ConstantTimeEquals("verify-me", "verify-mf"));
        Assert.False(WebhookSecrets.ConstantTimeEquals("verify-me", "verify-me "));
        Assert.False(WebhookSecrets.ConstantTimeEquals("", "verify-me"));
    }

    /// <summary>
    /// Signing secrets are stored encrypted under a fixed Data Protection purpose: a changed purpose string would leave
    /// every stored secret unreadable, and an unreadable one (a lost key) reads as null, to be rotated, never as an error.
    /// </summary>
    [Fact]
    public void StoredSecrets_AreProtectedUnderTheirPurpose()
    {
        var provider = new EphemeralDataProtectionProvider();
        var secrets = new WebhookSecrets(provider);

        var stored = secrets.Protect(Secret);
        Assert.NotEqual(Secret, stored);
        Assert.Equal(Secret, secrets.Unprotect(stored));
        Assert.Equal(Secret, provider.CreateProtector("FlowForge.Triggers.WebhookSecret.v1").Unprotect(stored));
        Assert.Null(secrets.Unprotect(provider.CreateProtector("another purpose").Protect(Secret)));
        Assert.Null(secrets.Unprotect(new WebhookSecrets(new EphemeralDataProtectionProvider()).Protect(Secret)));
        Assert.Null(secrets.Unprotect(null));
    }

    /// <summary>Generated credentials: their prefixes, 32 random bytes each, URL-safe where they go into a URL.</summary>
    [Fact]
    public void GeneratedCredentials_HaveTheirShape_AndDiffer()
    {
        var key = WebhookSecrets.NewEndpointKey();
        var token = WebhookSecrets.NewToken();
        var secret = WebhookSecrets.NewSigningSecret();

        Assert.Matches("^[A-Za-z0-9_-]{43}$", key);
        Assert.Matches("^fft_[A-Za-z0-9_-]{43}$", token);
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.NotEqual(key, WebhookSecrets.NewEndpointKey());
        Assert.NotEqual(token, WebhookSecrets.NewToken());
        Assert.NotEqual(secret, WebhookSecrets.NewSigningSecret());
    }
}
