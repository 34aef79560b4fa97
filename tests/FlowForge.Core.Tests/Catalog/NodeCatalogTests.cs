using System.Text.Json;
using FlowForge.Core.Catalog;
using FlowForge.Core.Model;

namespace FlowForge.Core.Tests.Catalog;

public class NodeCatalogTests
{
    /// <summary>The editor's JSON settings, made once (CA1869: options cache their type metadata).</summary>
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    public static readonly string[] AllTypes =
    [
        "trigger_whatsapp", "trigger_email", "trigger_voice", "trigger_webhook", "trigger_schedule", "trigger_manual",
        "agent_conversational", "agent_decision", "agent_reasoning",
        "action_whatsapp", "action_email", "action_call", "action_crm", "action_http",
        "utility_text_gen", "utility_sentiment", "utility_intent", "utility_vulnerability", "utility_reason", "utility_custom",
        "logic_condition", "logic_delay", "logic_loop", "logic_ab_split", "logic_set_variable", "logic_subworkflow", "logic_approval",
    ];

    public static TheoryData<string> Types => [.. AllTypes];

    private static NodeTypeDescriptor Get(string type) => NodeCatalog.Default.Find(type) ?? throw new Xunit.Sdk.XunitException($"{type} missing");

    private static NodeDefinition Node(string type, string config = "{}") => new("n", type, JsonDocument.Parse(config).RootElement.Clone());

    private static JsonElement Property(NodeTypeDescriptor d, string name) => d.ConfigSchema.GetProperty("properties").GetProperty(name);

    [Fact]
    public void DefaultCatalog_HoldsExactlyTheBuiltInTypes() =>
        Assert.Equal(AllTypes, NodeCatalog.Default.All.Select(t => t.Type));

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryType_IsDescribed(string type)
    {
        var d = Get(type);
        Assert.False(string.IsNullOrWhiteSpace(d.DisplayName));
        Assert.False(string.IsNullOrWhiteSpace(d.Description));
        Assert.Equal(type.Split('_')[0], d.Category.ToString().ToLowerInvariant());
        Assert.Equal("object", d.ConfigSchema.GetProperty("type").GetString());
        Assert.NotEmpty(d.PortsFor(Node(type, """{"variants":[{"name":"a","weight":1},{"name":"b","weight":1}]}""")));
        Assert.All(d.OutputFields, f => Assert.False(string.IsNullOrWhiteSpace(f.Description)));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void EverySchemaProperty_HasTitleAndDescription(string type)
    {
        foreach (var (path, schema) in Properties(Get(type).ConfigSchema, ""))
        {
            Assert.True(schema.TryGetProperty("title", out var t) && t.GetString()!.Length > 0, $"{type}: {path} has no title");
            Assert.True(schema.TryGetProperty("description", out var d) && d.GetString()!.Length > 0, $"{type}: {path} has no description");
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void EveryDefault_IsValidForItsProperty(string type)
    {
        foreach (var (path, schema) in Properties(Get(type).ConfigSchema, ""))
        {
            if (schema.TryGetProperty("default", out var value))
            {
                Assert.True(ConfigSchemaValidator.Validate(value, schema).Count == 0, $"{type}: default of {path} is invalid");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void ExecutionSettings_AreOnEveryNonTrigger_FilterOnEveryTrigger(string type)
    {
        var d = Get(type);
        var properties = d.ConfigSchema.GetProperty("properties");
        if (d.IsTrigger)
        {
            Assert.True(d.RequiresOutgoingEdge);
            Assert.True(properties.TryGetProperty("filter", out var filter));
            Assert.True(filter.GetProperty("properties").TryGetProperty("conditions", out _));
            Assert.False(properties.TryGetProperty("retry", out _));
            Assert.DoesNotContain(NodeTypeDescriptor.ErrorPort, d.PortsFor(Node(type)));
        }
        else
        {
            var retry = properties.GetProperty("retry").GetProperty("properties");
            Assert.Equal(3, retry.GetProperty("maxAttempts").GetProperty("default").GetInt32());
            Assert.Equal("1s", retry.GetProperty("initialInterval").GetProperty("default").GetString());
            Assert.Equal(2, retry.GetProperty("backoffCoefficient").GetProperty("default").GetInt32());
            Assert.Equal("1m", retry.GetProperty("maxInterval").GetProperty("default").GetString());
            Assert.Equal(type == "logic_approval" ? "7d" : "30s", properties.GetProperty("timeout").GetProperty("default").GetString());
            Assert.Equal("stop", properties.GetProperty("onError").GetProperty("default").GetString());
            Assert.False(properties.TryGetProperty("filter", out _));
            Assert.Contains(NodeTypeDescriptor.ErrorPort, d.PortsFor(Node(type, """{"variants":[{"name":"a","weight":1},{"name":"b","weight":1}]}""")));
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void SharedPropertyReferences_AreAllResolved(string type)
    {
        foreach (var p in Get(type).ConfigSchema.GetProperty("properties").EnumerateObject())
        {
            Assert.Equal(JsonValueKind.Object, p.Value.ValueKind);
        }
    }

    [Theory]
    [InlineData("action_whatsapp", "recipient,messageTemplate")]
    [InlineData("action_email", "to,subject,body")]
    [InlineData("action_call", "phoneNumber,voiceAgent")]
    [InlineData("action_crm", "crmSystem,action,fields")]
    [InlineData("action_http", "url")]
    [InlineData("trigger_schedule", "cron")]
    [InlineData("utility_text_gen", "prompt")]
    [InlineData("logic_condition", "condition")]
    [InlineData("logic_loop", "items")]
    [InlineData("logic_ab_split", "variants")]
    [InlineData("logic_set_variable", "variables")]
    [InlineData("logic_subworkflow", "workflowId")]
    public void RequiredFields(string type, string required) =>
        Assert.Equal(required.Split(','), Get(type).ConfigSchema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));

    [Theory]
    [InlineData("action_whatsapp", true)]
    [InlineData("action_email", true)]
    [InlineData("action_call", true)]
    [InlineData("action_crm", true)]
    [InlineData("action_http", true)]
    [InlineData("utility_text_gen", false)]
    [InlineData("logic_delay", false)]
    public void SideEffects(string type, bool expected) => Assert.Equal(expected, Get(type).HasSideEffects);

    [Theory]
    [InlineData("agent_decision", "approve,reject,review")]
    [InlineData("logic_condition", "true,false")]
    [InlineData("logic_loop", "item,done")]
    [InlineData("logic_approval", "approved,rejected,timeout")]
    [InlineData("utility_sentiment", "out")]
    [InlineData("trigger_email", "out")]
    public void FixedPorts(string type, string ports)
    {
        var d = Get(type);
        Assert.Equal(ports.Split(','), d.OutputPorts);
        if (d.OutputPorts.Count > 1) Assert.True(d.RequiresOutgoingEdge);
    }

    [Fact]
    public void Condition_AcceptsYesAndNo()
    {
        var d = Get("logic_condition");
        var node = Node("logic_condition");
        Assert.Equal("true", d.ResolvePort(node, "yes"));
        Assert.Equal("false", d.ResolvePort(node, "No"));
        Assert.Equal("true", d.ResolvePort(node, "true"));
        Assert.Equal("error", d.ResolvePort(node, "error"));
        Assert.Null(d.ResolvePort(node, null));
        Assert.Null(d.ResolvePort(node, "maybe"));
    }

    [Fact]
    public void AbSplit_HasOnePortPerVariant()
    {
        var d = Get("logic_ab_split");
        var node = Node("logic_ab_split", """{"variants":[{"name":"control","weight":1},{"name":"new_copy","weight":3}]}""");
        Assert.Equal(["control", "new_copy", "error"], d.PortsFor(node));
        Assert.Equal("new_copy", d.ResolvePort(node, "new_copy"));
        Assert.Null(d.ResolvePort(node, null));
        Assert.Empty(d.PortsFromConfig!(Node("logic_ab_split", """{"variants":"{{vars.v}}"}""")));
    }

    [Fact]
    public void SingleOutputNode_NullHandleIsTheDefaultPort() =>
        Assert.Equal("out", Get("action_http").ResolvePort(Node("action_http"), null));

    [Theory]
    [InlineData("trigger_whatsapp", "phone_number,message_text,message_timestamp,message_id")]
    [InlineData("trigger_email", "email_from,email_subject,email_body,email_timestamp")]
    [InlineData("trigger_voice", "caller_number,call_duration,call_transcript")]
    [InlineData("trigger_webhook", "method,headers,query,body")]
    [InlineData("trigger_schedule", "scheduled_time,fired_at")]
    [InlineData("agent_conversational", "agent_response")]
    [InlineData("agent_decision", "decision,confidence")]
    [InlineData("agent_reasoning", "reasoning,conclusion")]
    [InlineData("action_whatsapp", "message_sent,message_id,status,delivery")]
    [InlineData("action_email", "email_sent,email_id,delivery")]
    [InlineData("action_call", "call_initiated,call_id,delivery")]
    [InlineData("action_crm", "crm_updated,crm_system,record_id,action")]
    [InlineData("action_http", "status,headers,body")]
    [InlineData("utility_text_gen", "generated_text")]
    [InlineData("utility_sentiment", "sentiment,sentiment_score")]
    [InlineData("utility_intent", "intent,confidence")]
    [InlineData("utility_vulnerability", "vulnerabilities,risk_level")]
    [InlineData("utility_reason", "reason")]
    [InlineData("utility_custom", "custom_output")]
    [InlineData("logic_condition", "result")]
    [InlineData("logic_delay", "waited_until")]
    [InlineData("logic_loop", "item,index,results,count")]
    [InlineData("logic_ab_split", "variant")]
    [InlineData("logic_approval", "approved,approved_by,comment")]
    public void OutputFields(string type, string fields) =>
        Assert.Equal(fields.Split(','), Get(type).OutputFields.Select(f => f.Name));

    [Fact]
    public void FreeFormOutputs_AreMarkedDynamic() =>
        Assert.Equal(["trigger_webhook", "trigger_manual", "logic_subworkflow"], NodeCatalog.Default.All.Where(t => t.DynamicOutput).Select(t => t.Type));

    [Fact]
    public void SharedLlmProperties_AreMergedInPlace()
    {
        var d = Get("utility_text_gen");
        Assert.Equal(["prompt", "systemPrompt", "temperature", "provider", "model", "credential", "retry", "timeout", "onError"],
            d.ConfigSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, Property(d, "temperature").GetProperty("maximum").GetInt32());
        Assert.Contains("openai", Property(d, "provider").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Catalog_SerializesForTheEditor()
    {
        var json = JsonSerializer.Serialize(NodeCatalog.Default.All, WebJson);
        Assert.Contains("\"type\":\"trigger_webhook\"", json);
        Assert.Contains("\"category\":\"Trigger\"", json);
        Assert.DoesNotContain("configRules", json);
    }

    private static IEnumerable<(string Path, JsonElement Schema)> Properties(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("properties", out var properties))
        {
            foreach (var p in properties.EnumerateObject())
            {
                var childPath = path.Length == 0 ? p.Name : $"{path}.{p.Name}";
                yield return (childPath, p.Value);
                foreach (var nested in Properties(p.Value, childPath)) yield return nested;
            }
        }
        if (schema.TryGetProperty("items", out var items))
        {
            foreach (var nested in Properties(items, path + "[]")) yield return nested;
        }
    }
}
