using System.ComponentModel.DataAnnotations;
using FlowForge.Server.Hosting;

namespace FlowForge.Server.Nodes.Actions;

/// <summary>
/// <c>Providers:WhatsApp</c>: the WhatsApp Cloud API, both ways. Sending is configured when the access token and the
/// phone number id are set; the inbound hook uses the verify token and the app secret. One class for the one section,
/// so each setting is validated (and a bad one reported) once.
/// </summary>
internal sealed class WhatsAppOptions
{
    public const string DefaultBaseUrl = "https://graph.facebook.com/v20.0";

    [HttpUrl]
    public string BaseUrl { get; set; } = DefaultBaseUrl;

    public string? PhoneNumberId { get; set; }

    public string? AccessToken { get; set; }

    /// <summary>The verify token entered in Meta's webhook settings (GET handshake of the inbound hook).</summary>
    public string? VerifyToken { get; set; }

    /// <summary>The Meta app secret: an inbound <c>X-Hub-Signature-256</c> is its HMAC-SHA256 of the raw body.</summary>
    public string? AppSecret { get; set; }
}

/// <summary><c>Providers:Smtp</c>. Configured when the host and the sender are set.</summary>
internal sealed class SmtpOptions
{
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string? From { get; set; }

    /// <summary>Upgrade the connection with STARTTLS (required by most providers; off for a local mail catcher).</summary>
    public bool UseStartTls { get; set; } = true;
}

/// <summary><c>Providers:Voice</c>: the voice service placing outbound calls. Configured when the base URL is set.</summary>
internal sealed class VoiceOptions
{
    [HttpUrl]
    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }
}

/// <summary><c>Providers:Crm</c>: one HTTP endpoint per CRM system name (<c>Providers__Crm__Systems__hubspot__BaseUrl</c>).</summary>
internal sealed class CrmOptions
{
    public Dictionary<string, CrmSystemOptions> Systems { get; set; } = [];

    public CrmSystemOptions? Find(string name) =>
        Systems.FirstOrDefault(s => string.Equals(s.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

internal sealed class CrmSystemOptions
{
    [HttpUrl]
    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }
}
