using System.Globalization;
using System.Net.Mail;
using System.Net.Sockets;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text;
using FlowForge.Server.Credentials;
using FlowForge.Server.Egress;
using FlowForge.Server.Providers;
using Microsoft.Extensions.Options;
using FlowForge.Core.Catalog;

namespace FlowForge.Server.Nodes.Actions;

/// <summary>
/// <c>action_email</c>: one message over SMTP (<see cref="SmtpClient"/>), or into the outbox when SMTP is not
/// configured. The Message-ID is derived from the send's idempotency key, so a re-send after an unknown
/// outcome carries the same Message-ID and a receiving system can recognise it. SMTP itself has no
/// idempotency: a crash after the server accepted the message and before the ledger recorded it sends it twice.
/// <para>Limits of <see cref="SmtpClient"/>: STARTTLS only (no implicit TLS on port 465), AUTH with the
/// username/password (no OAuth2), one connection per message. The egress policy is checked on the host's
/// addresses before connecting; SmtpClient resolves the name again itself.</para>
/// </summary>
internal sealed class EmailActionHandler(IOptionsMonitor<SmtpOptions> options, ActionSupport support, EgressPolicy egress, IHostResolver resolver) : INodeHandler
{
    public string NodeType => NodeTypeNames.ActionEmail;

    public async Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var input = ActionSupport.Input(context);
        var to = Addresses(input, "to", required: true);
        var cc = Addresses(input, "cc", required: false);
        var bcc = Addresses(input, "bcc", required: false);
        var subject = ActionSupport.Text(input, "subject") ?? "";
        var body = input["body"]?.ToString() ?? "";
        var html = input["html"] is JsonValue h && h.TryGetValue<bool>(out var isHtml) && isHtml;

        var credential = await support.CredentialAsync(context, CredentialKinds.Smtp, ct);
        var settings = credential is null ? options.CurrentValue : FromCredential(credential);
        var payload = new JsonObject
        {
            ["to"] = new JsonArray([.. to.Select(a => (JsonNode)a.ToString())]),
            ["cc"] = new JsonArray([.. cc.Select(a => (JsonNode)a.ToString())]),
            ["bcc"] = new JsonArray([.. bcc.Select(a => (JsonNode)a.ToString())]),
            ["subject"] = subject,
            ["body"] = body,
            ["html"] = html,
        };

        if (string.IsNullOrWhiteSpace(settings.Host) || string.IsNullOrWhiteSpace(settings.From))
        {
            return await support.ToOutboxAsync(context, Channels.Email, string.Join(", ", to.Select(a => a.Address)), subject, body, payload,
                id => new JsonObject { ["email_sent"] = true, ["email_id"] = id }, ct);
        }
        MailAddress from;
        try { from = new MailAddress(settings.From); }
        catch (FormatException) { throw new NodeFailure($"The SMTP sender '{settings.From}' is not an email address.", retryable: false); }

        return await support.SendOnceAsync(context, Channels.Email, async (key, token) =>
        {
            await CheckEgressAsync(settings.Host, token);
            var messageId = MessageId(key, from.Host);
            using var message = new MailMessage { From = from, Subject = subject, Body = body, IsBodyHtml = html, BodyEncoding = Encoding.UTF8, SubjectEncoding = Encoding.UTF8 };
            foreach (var a in to) message.To.Add(a);
            foreach (var a in cc) message.CC.Add(a);
            foreach (var a in bcc) message.Bcc.Add(a);
            message.Headers.Add("Message-ID", messageId);
            message.Headers.Add("X-FlowForge-Idempotency-Key", key);

            using var client = new SmtpClient(settings.Host, settings.Port)
            {
                EnableSsl = settings.UseStartTls,
                DeliveryMethod = SmtpDeliveryMethod.Network,
                UseDefaultCredentials = false,
            };
            if (!string.IsNullOrEmpty(settings.Username)) client.Credentials = new NetworkCredential(settings.Username, settings.Password);
            try
            {
                await client.SendMailAsync(message, token);
            }
            catch (SmtpException e)
            {
                throw Classify(e, settings);
            }
            return new SendOutcome(new JsonObject { ["email_sent"] = true, ["email_id"] = messageId, ["delivery"] = "provider" }, messageId);
        }, ct);
    }

    /// <summary><c>&lt;ff.{hash of the key}@{sender's domain}&gt;</c>: the same key gives the same Message-ID.</summary>
    public static string MessageId(string idempotencyKey, string domain)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..32];
        return $"<ff.{hash}@{domain}>";
    }

    private static SmtpOptions FromCredential(JsonObject values) => new()
    {
        Host = CredentialService.Text(values, "host"),
        Port = int.TryParse(CredentialService.Text(values, "port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 587,
        Username = CredentialService.Text(values, "username"),
        Password = CredentialService.Text(values, "password"),
        From = CredentialService.Text(values, "from"),
        UseStartTls = !string.Equals(CredentialService.Text(values, "useStartTls"), "false", StringComparison.OrdinalIgnoreCase),
    };

    private static List<MailAddress> Addresses(JsonObject input, string name, bool required)
    {
        var text = ActionSupport.Text(input, name);
        if (text is null)
        {
            return required ? throw new NodeFailure($"'{name}' is required and resolved to nothing.", retryable: false) : [];
        }
        var list = new List<MailAddress>();
        foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try { list.Add(new MailAddress(part)); }
            catch (FormatException) { throw new NodeFailure($"'{part}' in '{name}' is not an email address.", retryable: false); }
        }
        if (required && list.Count == 0) throw new NodeFailure($"'{name}' has no address.", retryable: false);
        return list;
    }

    private async Task CheckEgressAsync(string host, CancellationToken ct)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await resolver.ResolveAsync(host, ct);
        }
        catch (SocketException e)
        {
            throw new NodeFailure($"SMTP host {host} could not be resolved: {e.Message}", retryable: true);
        }
        foreach (var address in addresses)
        {
            if (egress.Check(host, address) is { } refusal) throw new NodeFailure(refusal, retryable: false);
        }
    }

    /// <summary>4xx replies and connection failures are transient; 5xx replies (bad recipient, refused login) are final.</summary>
    private static NodeFailure Classify(SmtpException e, SmtpOptions settings)
    {
        var code = (int)e.StatusCode;
        var detail = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
        var message = ProviderHttp.Redact($"SMTP {settings.Host}:{settings.Port} did not take the message: {detail}", [settings.Password]);
        var retryable = code is < 500 or >= 600;
        return new NodeFailure(message, retryable);
    }
}
