using System.Net;
using FlowForge.Server.Tests.Infrastructure;

namespace FlowForge.Server.Tests.Api;

public class NodeTypesApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Catalog_ListsEveryNodeTypeWithSchemaPortsAndFields()
    {
        var body = await (await server.Client().GetAsync("/api/node-types")).Expect(HttpStatusCode.OK);
        var types = body["nodeTypes"]!.AsArray().ToDictionary(t => (string)t!["type"]!, t => t!);
        string[] expected =
        [
            "trigger_whatsapp", "trigger_email", "trigger_voice", "agent_conversational", "agent_decision", "agent_reasoning",
            "action_whatsapp", "action_email", "action_call", "action_crm", "utility_text_gen", "utility_sentiment", "utility_intent",
            "utility_vulnerability", "utility_reason", "utility_custom", "trigger_webhook", "trigger_schedule", "trigger_manual",
            "action_http", "logic_condition", "logic_delay", "logic_loop", "logic_ab_split", "logic_set_variable", "logic_subworkflow",
            "logic_approval",
        ];
        Assert.All(expected, t => Assert.True(types.ContainsKey(t), $"missing {t}"));
        Assert.All(types.Values, t =>
        {
            Assert.Contains((string)t["category"]!, new[] { "trigger", "agent", "action", "utility", "logic" });
            Assert.False(string.IsNullOrWhiteSpace((string?)t["displayName"]));
            Assert.Equal("object", (string?)t["configSchema"]!["type"]);
            Assert.NotNull(t["outputFields"]);
        });
        Assert.Equal(["approve", "reject", "review", "error"], types["agent_decision"]["outputPorts"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(["true", "false", "error"], types["logic_condition"]["outputPorts"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("true", (string?)types["logic_condition"]["portAliases"]!["yes"]);
        Assert.Equal(["item", "done", "error"], types["logic_loop"]["outputPorts"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(["approved", "rejected", "timeout", "error"], types["logic_approval"]["outputPorts"]!.AsArray().Select(p => (string)p!));
        Assert.True((bool)types["logic_ab_split"]["portsFromConfig"]!);
        Assert.Contains(types["trigger_whatsapp"]["outputFields"]!.AsArray(), f => (string?)f!["name"] == "message_text");
    }

    [Fact]
    public async Task OneType_ByName_AndUnknownIs404()
    {
        var client = server.Client();
        var one = await (await client.GetAsync("/api/node-types/action_http")).Expect(HttpStatusCode.OK);
        Assert.Equal("action", (string?)one["category"]);
        await (await client.GetAsync("/api/node-types/nope")).ExpectProblem(HttpStatusCode.NotFound, "not-found");
    }
}
