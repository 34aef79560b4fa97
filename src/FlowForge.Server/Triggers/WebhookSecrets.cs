using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace FlowForge.Server.Triggers;

/// <summary>
/// Webhook credentials: generation, storage form and verification. Tokens are stored as their SHA-256 hash;
/// Standard Webhooks secrets are needed in clear to verify HMACs, so they are stored encrypted with ASP.NET Core
/// Data Protection (keys outside the database, see DataProtectionRegistration).
/// All comparisons are constant-time.
/// </summary>
internal sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("FlowForge.Triggers.WebhookSecret.v1");

    public static string NewEndpointKey() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string NewToken() => "fft_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string NewSigningSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public string Protect(string secret) => _protector.Protect(secret);

    public string? Unprotect(string? stored)
    {
        if (stored is null) return null;
        try
        {
            return _protector.Unprotect(stored);
        }
        // Stryker disable once Block : equivalent, an emptied catch returns the method's default, null, all the same.
        catch (CryptographicException)
        {
            return null; // the key ring lost the key: the secret must be rotated
        }
    }

    /// <summary>Whether <paramref name="token"/> hashes to <paramref name="storedHash"/> (constant-time).</summary>
    public static bool TokenMatches(string token, string? storedHash)
    {
        if (storedHash is null) return false;
        var presented = Encoding.ASCII.GetBytes(HashToken(token));
        var expected = Encoding.ASCII.GetBytes(storedHash);
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }

    /// <summary>Standard Webhooks: <c>v1,</c> + base64 HMAC-SHA256 of <c>id.timestamp.body</c> keyed with the secret's bytes.</summary>
    public static string Sign(string secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = SecretBytes(secret) ?? throw new ArgumentException("Not a whsec_ secret.", nameof(secret));
        return "v1," + Convert.ToBase64String(Hmac(key, id, timestamp, body));
    }

    /// <summary>The outcome of a Standard Webhooks check; <see cref="Error"/> is a human reason when invalid.</summary>
    public readonly record struct SignatureCheck(bool Valid, string? Error);

    /// <summary>
    /// Verifies the <c>webhook-id</c>, <c>webhook-timestamp</c> and <c>webhook-signature</c> headers against any of
    /// <paramref name="secrets"/>: the timestamp within <paramref name="tolerance"/> of <paramref name="now"/>, any of
    /// the space-separated <c>v1,</c> signatures matching.
    /// </summary>
    public static SignatureCheck Verify(IEnumerable<string> secrets, string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body,
        DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
        {
            return new(false, "The webhook-id, webhook-timestamp and webhook-signature headers are required (Standard Webhooks).");
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return new(false, "webhook-timestamp must be whole seconds since the Unix epoch.");
        }
        var sent = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if ((now - sent).Duration() > tolerance)
        {
            return new(false, $"webhook-timestamp is more than {tolerance.TotalMinutes:0} minutes away from the server's clock (replayed or delayed message).");
        }
        var presented = new List<byte[]>();
        foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!entry.StartsWith("v1,", StringComparison.Ordinal)) continue;
            try
            {
                presented.Add(Convert.FromBase64String(entry[3..]));
            }
            catch (FormatException)
            {
            }
        }
        if (presented.Count == 0) return new(false, "webhook-signature has no v1 signature.");
        var valid = false;
        foreach (var secret in secrets)
        {
            // A plain null check, not `is not { } key`: a pattern variable cannot be instrumented by the mutation
            // tests (tests/mutation), which would then leave this whole method untested.
            var key = SecretBytes(secret);
            if (key is null) continue;
            var expected = Hmac(key, id, seconds, body);
            foreach (var candidate in presented)
            {
                // Check every pair (no early exit) so timing says nothing about which one matched.
                valid |= CryptographicOperations.FixedTimeEquals(expected, candidate);
            }
        }
        return valid ? new(true, null) : new(false, "No webhook-signature matches the body with the endpoint's secret.");
    }

    /// <summary>Meta's <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c>.</summary>
    public static bool VerifyHubSignature(string appSecret, string? header, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(header) || !header.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase)) return false;
        byte[] presented;
        try
        {
            presented = Convert.FromHexString(header.AsSpan(7));
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    public static bool ConstantTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));

    private static byte[]? SecretBytes(string secret)
    {
        var text = secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret;
        try
        {
            return Convert.FromBase64String(text);
        }
        // Stryker disable once Block : equivalent, an emptied catch returns the method's default, null, all the same.
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] Hmac(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, content);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
