using System.Security.Cryptography;
using System.Text;

namespace FlowForge.Server.Auth;

/// <summary>How API keys look and are stored: <c>ffk_</c> + 32 random bytes (base64url); only the SHA-256 hash is stored.</summary>
internal static class ApiKeys
{
    public static string Generate() => "ffk_" + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The first characters of a key, shown in listings so a person can tell keys apart.</summary>
    // Stryker disable once Equality : equivalent, a key of exactly 8 characters is its own first 8 either way.
    public static string Prefix(string key) => key.Length <= 8 ? key : key[..8];

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The <c>Auth</c> configuration section.</summary>
internal sealed class AuthOptions
{
    /// <summary>When set, ensured at start-up as a key of the organisation <c>default</c>.</summary>
    public string? BootstrapApiKey { get; set; }

    /// <summary>More keys to ensure at start-up, each for a named organisation (created when missing).</summary>
    public List<ConfiguredKey> Keys { get; set; } = [];

    public sealed class ConfiguredKey
    {
        public string Organization { get; set; } = "";
        public string Key { get; set; } = "";
    }
}
