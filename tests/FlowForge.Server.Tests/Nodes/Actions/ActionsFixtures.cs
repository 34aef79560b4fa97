using System.Text.Json.Nodes;
using FlowForge.Server.Nodes;
using FlowForge.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FlowForge.Server.Tests.Nodes.Actions;

/// <summary>A server plus the fakes standing in for the providers (HTTP and SMTP), on ports chosen before the server starts.</summary>
public abstract class ProvidersFixtureBase : ServerFixture
{
    public const string WhatsAppToken = "wa-secret-token-5b1f9c";
    public const string PhoneNumberId = "109876543210";
    public const string VoiceKey = "voice-secret-key-77aa";
    public const string CrmKey = "crm-secret-key-31c0";
    public const string SmtpUser = "mailer";
    public const string SmtpPassword = "smtp-secret-pass-9e2d";

    private readonly int _httpPort;
    private readonly int _smtpPort;

    protected ProvidersFixtureBase((int Http, int Smtp, Dictionary<string, string?> Settings) setup, ServerStorage storage) : base(setup.Settings, storage)
    {
        _httpPort = setup.Http;
        _smtpPort = setup.Smtp;
    }

    protected static (int, int, Dictionary<string, string?>) Setup(bool configured)
    {
        var http = ServerProcess.FreePort();
        var smtp = ServerProcess.FreePort();
        var settings = new Dictionary<string, string?> { ["Engine:PollInterval"] = "00:00:00.200" };
        if (configured)
        {
            settings["Providers:WhatsApp:BaseUrl"] = $"http://127.0.0.1:{http}/v20.0";
            settings["Providers:WhatsApp:PhoneNumberId"] = PhoneNumberId;
            settings["Providers:WhatsApp:AccessToken"] = WhatsAppToken;
            settings["Providers:Voice:BaseUrl"] = $"http://127.0.0.1:{http}/voice";
            settings["Providers:Voice:ApiKey"] = VoiceKey;
            settings["Providers:Crm:Systems:hubspot:BaseUrl"] = $"http://127.0.0.1:{http}/crm/hubspot";
            settings["Providers:Crm:Systems:hubspot:ApiKey"] = CrmKey;
            settings["Providers:Smtp:Host"] = "127.0.0.1";
            settings["Providers:Smtp:Port"] = smtp.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Providers:Smtp:Username"] = SmtpUser;
            settings["Providers:Smtp:Password"] = SmtpPassword;
            settings["Providers:Smtp:From"] = "FlowForge <bot@flowforge.test>";
            settings["Providers:Smtp:UseStartTls"] = "false";
        }
        return (http, smtp, settings);
    }

    public ProviderFake Provider { get; private set; } = null!;

    public SmtpCatcher Smtp { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Provider = await ProviderFake.StartAsync(_httpPort);
        Smtp = new SmtpCatcher(_smtpPort);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    public INodeHandler Handler(string nodeType) => Services.GetServices<INodeHandler>().Single(h => h.NodeType == nodeType);

    /// <summary>Runs a handler directly, as a worker would for one attempt of one step.</summary>
    public Task<NodeResult> RunHandler(string nodeType, string executionId, string stepKey, int attempt, string inputJson, string orgId = "org-a") =>
        Handler(nodeType).RunAsync(
            new NodeRunContext(executionId, orgId, stepKey, stepKey, nodeType, attempt, JsonNode.Parse(inputJson), $"{executionId}:{stepKey}:{attempt}", RunMode.Execution),
            CancellationToken.None);
}

/// <summary>Every provider configured, pointing at the fakes.</summary>
public class ProvidersFixture<TStorage>() : ProvidersFixtureBase(Setup(configured: true), new TStorage())
    where TStorage : ServerStorage, new();

/// <summary>No provider configured: messaging goes to the outbox; credentials can point nodes at the fakes.</summary>
public class UnconfiguredFixture<TStorage>() : ProvidersFixtureBase(Setup(configured: false), new TStorage())
    where TStorage : ServerStorage, new();

/// <summary>No provider configured, on SQLite (the credential tests read the SQLite file itself).</summary>
public sealed class UnconfiguredFixture : UnconfiguredFixture<SqliteStorage>;
