using System.Text.Json;
using FlowForge.Core.Catalog;
using FlowForge.Core.Model;
using FlowForge.Core.Validation;

namespace FlowForge.Core.Tests.Validation;

public class WorkflowValidatorTests
{
    private static NodeDefinition N(string id, string type, string config = "{}") =>
        new(id, type, JsonDocument.Parse(config).RootElement.Clone());

    private static EdgeDefinition E(string from, string to, string? handle = null) => new($"{from}-{handle}-{to}", from, to, handle);

    private static ValidationResult V(NodeDefinition[] nodes, EdgeDefinition[] edges, Func<JsonElement, string?>? checker = null) =>
        WorkflowValidator.Validate(new WorkflowGraph(nodes, edges), NodeCatalog.Default, checker);

    private static void AssertClean(ValidationResult result)
    {
        Assert.True(result.Valid, string.Join("\n", result.Errors));
        Assert.Empty(result.Warnings);
    }

    private static ValidationIssue Single(ValidationResult result, string code) =>
        Assert.Single(result.Errors.Concat(result.Warnings), i => i.Code == code);

    private static void AssertNo(ValidationResult result, string code) =>
        Assert.DoesNotContain(result.Errors.Concat(result.Warnings), i => i.Code == code);

    // A realistic valid workflow: WhatsApp → sentiment → condition → reply / email.
    private static NodeDefinition[] BaseNodes =>
    [
        N("t", "trigger_whatsapp"),
        N("s", "utility_sentiment", """{"inputText": "{{trigger.message_text}}"}"""),
        N("c", "logic_condition", """{"condition": "{{steps.s.sentiment_score}} < 0"}"""),
        N("reply", "action_whatsapp", """{"recipient": "trigger", "messageTemplate": "Sorry to hear that ({{sentiment}}) {{message_text}}"}"""),
        N("mail", "action_email", """{"to": "team@example.com", "subject": "Happy customer {{phone_number}}", "body": "{{steps.s.sentiment}}", "retry": {"maxAttempts": 5}, "timeout": "10s"}"""),
    ];

    private static EdgeDefinition[] BaseEdges => [E("t", "s"), E("s", "c"), E("c", "reply", "yes"), E("c", "mail", "false")];

    [Fact]
    public void ValidWorkflow_HasNoIssues() => AssertClean(V(BaseNodes, BaseEdges));

    [Fact]
    public void NoSteps()
    {
        var r = V([], []);
        Assert.Equal("no_steps", Assert.Single(r.Errors).Code);
        Assert.False(r.Valid);
    }

    [Fact]
    public void NoTrigger()
    {
        var r = V([N("s", "utility_sentiment")], []);
        Assert.Null(Single(r, "no_trigger").StepId);
        AssertNo(r, "unreachable"); // no noise when there is no trigger at all
        AssertNo(V([N("t", "trigger_manual"), N("s", "utility_sentiment")], [E("t", "s")]), "no_trigger");
    }

    [Fact]
    public void DuplicateId()
    {
        var r = V([.. BaseNodes, N("s", "utility_reason")], BaseEdges);
        var issue = Single(r, "duplicate_id");
        Assert.Equal("s", issue.StepId);
        AssertNo(V(BaseNodes, BaseEdges), "duplicate_id");
    }

    [Fact]
    public void UnknownType()
    {
        var r = V([N("t", "trigger_manual"), N("x", "utility_magic")], [E("t", "x")]);
        Assert.Equal("x", Single(r, "unknown_type").StepId);
        AssertNo(V(BaseNodes, BaseEdges), "unknown_type");
    }

    [Fact]
    public void EdgeMissingNode()
    {
        var r = V(BaseNodes, [.. BaseEdges, E("c", "ghost", "true"), E("phantom", "reply")]);
        var issues = r.Errors.Where(i => i.Code == "edge_missing_node").ToList();
        Assert.Equal(2, issues.Count);
        Assert.Contains(issues, i => i.StepId == "c" && i.Message.Contains("'ghost'"));
        Assert.Contains(issues, i => i.StepId == "reply" && i.Message.Contains("'phantom'"));
    }

    [Fact]
    public void UnknownPort()
    {
        var bad = V(BaseNodes, [E("t", "s"), E("s", "c", "maybe"), E("c", "reply", "yes"), E("c", "mail", "false")]);
        var issue = Single(bad, "unknown_port");
        Assert.Equal("s", issue.StepId);
        Assert.Contains("out, error", issue.Message);

        // A multi-port node needs a named port.
        var unnamed = V(BaseNodes, [E("t", "s"), E("s", "c"), E("c", "reply"), E("c", "mail", "no")]);
        Assert.Contains("must say which port", Single(unnamed, "unknown_port").Message);

        // Aliases, case, explicit default and error ports are fine.
        AssertClean(V(BaseNodes, [E("t", "s", "out"), E("s", "c"), E("c", "reply", "YES"), E("c", "mail", "no"), E("s", "mail", "error")]));
    }

    [Fact]
    public void AbSplitPorts_ComeFromTheConfig()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_manual"),
            N("ab", "logic_ab_split", """{"variants": [{"name": "a", "weight": 1}, {"name": "b", "weight": 2}]}"""),
            N("x", "utility_reason"), N("y", "utility_reason"),
        ];
        AssertClean(V(nodes, [E("t", "ab"), E("ab", "x", "a"), E("ab", "y", "b")]));
        Assert.Equal("ab", Single(V(nodes, [E("t", "ab"), E("ab", "x", "a"), E("ab", "y", "c")]), "unknown_port").StepId);
    }

    [Fact]
    public void ConfigInvalid_RequiredAndTypes()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_whatsapp"),
            N("send", "action_whatsapp", """{"recipient": "trigger", "messageTemplate": "", "retry": {"maxAttempts": "three"}, "onError": "explode"}"""),
        ];
        var r = V(nodes, [E("t", "send")]);
        var fields = r.Errors.Where(i => i.Code == "config_invalid").Select(i => (i.StepId, i.Field)).ToList();
        Assert.Equal([("send", "messageTemplate"), ("send", "retry.maxAttempts"), ("send", "onError")], fields);
        Assert.Contains(r.Errors, i => i.Message == "messageTemplate is required");
    }

    [Fact]
    public void ConfigInvalid_TemplatesAreAcceptedForAnyType()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_webhook"),
            N("loop", "logic_loop", """{"items": "{{body.items}}", "maxIterations": "{{query.max}}", "mode": "{{query.mode}}"}"""),
            N("h", "action_http", """{"url": "https://example.com/{{vars.item}}", "method": "{{body.method}}", "headers": "{{headers}}", "retry": {"maxAttempts": "{{query.attempts}}"}}"""),
        ];
        AssertClean(V(nodes, [E("t", "loop"), E("loop", "h", "item"), E("h", "loop")]));
    }

    [Fact]
    public void ConfigInvalid_DelayNeedsExactlyOneOfDurationAndUntil()
    {
        static ValidationResult Delay(string config) =>
            V([N("t", "trigger_manual"), N("d", "logic_delay", config)], [E("t", "d")]);

        Assert.Equal("duration", Single(Delay("{}"), "config_invalid").Field);
        Assert.Equal("until", Single(Delay("""{"duration": "5m", "until": "2020-01-01T00:00:00Z"}"""), "config_invalid").Field);
        Assert.Contains("not a valid duration", Single(Delay("""{"duration": "5 minutes"}"""), "config_invalid").Message);
        Assert.Equal("duration", Single(Delay("""{"duration": "400d"}"""), "config_invalid").Field);
        Assert.Equal("until", Single(Delay("""{"until": "next tuesday"}"""), "config_invalid").Field);
        AssertClean(Delay("""{"duration": "5m"}"""));
        AssertClean(Delay("""{"duration": 90}"""));
        AssertClean(Delay("""{"duration": "P1DT2H"}"""));
        AssertClean(Delay("""{"until": "2020-01-01T09:00:00+01:00"}"""));
        AssertClean(Delay("""{"duration": null, "until": "{{trigger.remind_at}}"}"""));
    }

    [Fact]
    public void ConfigInvalid_CustomUtilityNeedsEndpointOrPrompt()
    {
        static ValidationResult Custom(string config) =>
            V([N("t", "trigger_manual"), N("u", "utility_custom", config)], [E("t", "u")]);

        Assert.Equal("endpoint", Single(Custom("""{"inputText": "x"}"""), "config_invalid").Field);
        Assert.Equal("prompt", Single(Custom("""{"endpoint": "https://x.example", "prompt": "p"}"""), "config_invalid").Field);
        Assert.Equal("endpoint", Single(Custom("""{"endpoint": "not a url"}"""), "config_invalid").Field);
        AssertClean(Custom("""{"endpoint": "https://x.example/classify"}"""));
        AssertClean(Custom("""{"prompt": "Classify this"}"""));
    }

    [Fact]
    public void ConfigInvalid_DurationsInExecutionSettingsAndTriggers()
    {
        var bad = V([N("t", "trigger_webhook", """{"syncTimeout": "soon", "methods": ["POST", "FETCH"]}"""), N("r", "utility_reason", """{"timeout": "-5s", "retry": {"maxInterval": "PT"}}""")], [E("t", "r")]);
        Assert.Equal(
            [("t", "syncTimeout"), ("t", "methods[1]"), ("r", "timeout"), ("r", "retry.maxInterval")], // in config order
            bad.Errors.Select(i => (i.StepId!, i.Field!)).ToList());
        AssertClean(V([N("t", "trigger_webhook", """{"syncTimeout": "10s", "methods": ["GET", "POST"], "auth": "token"}"""), N("r", "utility_reason", """{"timeout": "2m", "retry": {"maxInterval": "PT5M"}}""")], [E("t", "r")]));
    }

    [Fact]
    public void ConfigInvalid_AbSplitVariants()
    {
        static ValidationResult Split(string variants) =>
            V([N("t", "trigger_manual"), N("ab", "logic_ab_split", $$"""{"variants": {{variants}}}"""), N("x", "utility_reason")], [E("t", "ab"), E("ab", "x", "a")]);

        Assert.Equal("variants", Single(Split("""[{"name": "a", "weight": 1}]"""), "config_invalid").Field);
        Assert.Equal("variants[1].weight", Single(Split("""[{"name": "a", "weight": 1}, {"name": "b", "weight": 0}]"""), "config_invalid").Field);
        Assert.Equal("variants[1].name", Single(Split("""[{"name": "a", "weight": 1}, {"name": "B c", "weight": 1}]"""), "config_invalid").Field);
        Assert.Equal("variants[1].name", Single(Split("""[{"name": "a", "weight": 1}, {"name": "a", "weight": 1}]"""), "config_invalid").Field);
        Assert.Equal("variants[1].name", Single(Split("""[{"name": "a", "weight": 1}, {"name": "error", "weight": 1}]"""), "config_invalid").Field);
        Assert.True(Split("""[{"name": "a", "weight": 1}, {"name": "b", "weight": 0.5}]""").Valid);
    }

    [Fact]
    public void ConfigInvalid_ScheduleCron()
    {
        static ValidationResult Schedule(string config) =>
            V([N("t", "trigger_schedule", config), N("r", "utility_reason")], [E("t", "r")]);

        Assert.Equal("cron", Single(Schedule("{}"), "config_invalid").Field);
        Assert.Equal("cron", Single(Schedule("""{"cron": "every day"}"""), "config_invalid").Field);
        Assert.Equal("catchUp", Single(Schedule("""{"cron": "0 9 * * *", "catchUp": "all"}"""), "config_invalid").Field);
        AssertClean(Schedule("""{"cron": "0 9 * * MON-FRI", "timezone": "Europe/Paris", "catchUp": "once"}"""));
    }

    [Fact]
    public void ConfigInvalid_ConditionCheckerHook()
    {
        static string? Checker(JsonElement condition) =>
            condition.ValueKind == JsonValueKind.String && condition.GetString()!.Contains("<<") ? "unexpected '<<'" : null;

        var nodes = BaseNodes;
        nodes[2] = N("c", "logic_condition", """{"condition": "{{steps.s.sentiment_score}} << 0"}""");
        var issue = Single(V(nodes, BaseEdges, Checker), "config_invalid");
        Assert.Equal(("c", "condition", "unexpected '<<'"), (issue.StepId, issue.Field, issue.Message));

        AssertClean(V(BaseNodes, BaseEdges, Checker));
        AssertClean(V(nodes, BaseEdges)); // no checker, no syntax check

        nodes[2] = N("c", "logic_condition", """{"condition": 42}""");
        var wrongType = V(nodes, BaseEdges, _ => throw new InvalidOperationException("not called for a wrong type"));
        Assert.Equal("condition", Single(wrongType, "config_invalid").Field);
    }

    [Fact]
    public void Unreachable()
    {
        var r = V([.. BaseNodes, N("orphan", "utility_reason"), N("after", "utility_reason")], [.. BaseEdges, E("orphan", "after")]);
        Assert.Equal(["orphan", "after"], r.Errors.Where(i => i.Code == "unreachable").Select(i => i.StepId));
        AssertNo(V(BaseNodes, BaseEdges), "unreachable");
    }

    [Fact]
    public void Cycle_WithoutALoop_IsAnError()
    {
        NodeDefinition[] nodes = [N("t", "trigger_manual"), N("a", "utility_reason"), N("b", "utility_sentiment")];
        var issue = Single(V(nodes, [E("t", "a"), E("a", "b"), E("b", "a")]), "cycle");
        Assert.Equal("a", issue.StepId);
        Assert.Contains("a → b", issue.Message);

        Assert.Equal("a", Single(V(nodes, [E("t", "a"), E("a", "a"), E("a", "b")]), "cycle").StepId);
        AssertNo(V(nodes, [E("t", "a"), E("a", "b"), E("t", "b")]), "cycle"); // a diamond is not a cycle
    }

    [Fact]
    public void Cycle_ThroughALoopBody_IsAllowed()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_manual"),
            N("loop", "logic_loop", """{"items": [1, 2, 3]}"""),
            N("body1", "utility_reason", """{"inputText": "{{vars.item}} #{{index}}"}"""),
            N("body2", "utility_sentiment"),
            N("end", "utility_reason", """{"inputText": "{{count}} {{steps.loop.results}}"}"""),
        ];
        AssertClean(V(nodes, [E("t", "loop"), E("loop", "body1", "item"), E("body1", "body2"), E("body2", "loop"), E("loop", "end", "done")]));

        // Going back to the loop from its done port is an endless loop, not a loop body.
        var r = V(nodes, [E("t", "loop"), E("loop", "body1", "item"), E("body1", "loop"), E("loop", "end", "done"), E("end", "loop")]);
        Assert.Equal("loop", Single(r, "cycle").StepId);
        Assert.Contains("loop → end", Single(r, "cycle").Message);

        // A cycle inside the body that skips the loop is still an error.
        var inner = V(nodes, [E("t", "loop"), E("loop", "body1", "item"), E("body1", "body2"), E("body2", "body1"), E("loop", "end", "done")]);
        Assert.Equal("body1", Single(inner, "cycle").StepId);
    }

    [Fact]
    public void Cycle_NestedLoops_AreAllowed()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_manual"),
            N("outer", "logic_loop", """{"items": "{{rows}}"}"""),
            N("inner", "logic_loop", """{"items": "{{vars.item}}"}"""),
            N("work", "utility_reason"),
        ];
        AssertClean(V(nodes, [E("t", "outer"), E("outer", "inner", "item"), E("inner", "work", "item"), E("work", "inner"), E("inner", "outer", "done")]));
    }

    [Fact]
    public void MissingOutgoing()
    {
        // The condition leads nowhere.
        var r = V(BaseNodes, [E("t", "s"), E("s", "c")]);
        Assert.Equal("c", Assert.Single(r.Errors, i => i.Code == "missing_outgoing").StepId);

        // A trigger alone leads nowhere.
        Assert.Equal("t", Single(V([N("t", "trigger_email")], []), "missing_outgoing").StepId);

        // An edge from the error port only does not count.
        var errorOnly = V([N("t", "trigger_manual"), N("d", "agent_decision"), N("x", "utility_reason")], [E("t", "d"), E("d", "x", "error")]);
        Assert.Equal("d", Single(errorOnly, "missing_outgoing").StepId);

        // A plain step may be the last one; one branch of a condition is enough.
        AssertNo(V(BaseNodes, [E("t", "s"), E("s", "c"), E("c", "reply", "true"), E("c", "mail", "true")]), "missing_outgoing");
    }

    [Fact]
    public void MissingOutgoing_LoopNeedsItsItemPort()
    {
        NodeDefinition[] nodes = [N("t", "trigger_manual"), N("loop", "logic_loop", """{"items": [1]}"""), N("x", "utility_reason")];
        var issue = Single(V(nodes, [E("t", "loop"), E("loop", "x", "done")]), "missing_outgoing");
        Assert.Contains("item port", issue.Message);
        AssertNo(V(nodes, [E("t", "loop"), E("loop", "x", "item")]), "missing_outgoing");
    }

    [Fact]
    public void UnknownVariable_IsAWarning()
    {
        var nodes = BaseNodes;
        nodes[3] = N("reply", "action_whatsapp", """{"recipient": "trigger", "messageTemplate": "{{email_subject}} {{steps.mail.email_id}} {{steps.nope.x}} {{vars.name}} {{trigger.anything}} {{execution.id}}"}""");
        var r = V(nodes, BaseEdges);
        Assert.True(r.Valid);
        Assert.All(r.Warnings, w => Assert.Equal(("reply", "messageTemplate", "unknown_variable"), (w.StepId, w.Field, w.Code)));
        Assert.Collection(r.Warnings,
            w => Assert.Contains("'email_subject'", w.Message),       // not a field of the WhatsApp trigger
            w => Assert.Contains("does not run before", w.Message),   // mail is a sibling, not upstream
            w => Assert.Contains("does not exist", w.Message),
            w => Assert.Contains("sets 'name'", w.Message));
    }

    [Fact]
    public void UnknownVariable_SetVariableAndLoopVariables()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_email"),
            N("set", "logic_set_variable", """{"variables": {"customer": "{{email_from}}", "tier": "gold"}}"""),
            N("loop", "logic_loop", """{"items": "{{vars.customer}}"}"""),
            N("x", "utility_text_gen", """{"prompt": "{{vars.tier}} {{tier}} {{vars.item}} {{vars.index}} {{item}} {{email_body}}", "model": "{{vars.missing}}"}"""),
        ];
        var r = V(nodes, [E("t", "set"), E("set", "loop"), E("loop", "x", "item"), E("x", "loop")]);
        Assert.True(r.Valid, string.Join("\n", r.Errors));
        var warning = Assert.Single(r.Warnings);
        Assert.Equal(("x", "model"), (warning.StepId, warning.Field));

        // Without the loop upstream, vars.item is unknown.
        var noLoop = V([nodes[0], N("x", "utility_text_gen", """{"prompt": "{{vars.item}}"}""")], [E("t", "x")]);
        Assert.Contains("'item'", Assert.Single(noLoop.Warnings).Message);
    }

    [Fact]
    public void UnknownVariable_FreeFormTriggerAcceptsAnyBareName()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_webhook"),
            N("x", "utility_text_gen", """{"prompt": "{{customer.name}} ordered {{order_id}}", "retry": {"maxAttempts": 2}}"""),
        ];
        AssertClean(V(nodes, [E("t", "x")]));

        nodes[0] = N("t", "trigger_voice");
        var r = V(nodes, [E("t", "x")]);
        Assert.Equal(2, r.Warnings.Count);
        Assert.Equal(["customer", "order_id"], r.Warnings.Select(w => w.Message.Split('\'')[1]));
    }

    [Fact]
    public void UnknownVariable_FoundInNestedConfig()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_whatsapp"),
            N("crm", "action_crm", """{"crmSystem": "hubspot", "action": "create", "fields": {"phone": "{{phone_number}}", "notes": ["{{call_transcript}}"]}}"""),
        ];
        var warning = Assert.Single(V(nodes, [E("t", "crm")]).Warnings);
        Assert.Equal("fields.notes[0]", warning.Field);
    }

    [Fact]
    public void Issues_AreOrderedByNodeThenRule()
    {
        NodeDefinition[] nodes =
        [
            N("t", "trigger_manual"),
            N("b", "action_email", """{"to": "x@example.com"}"""),
            N("a", "logic_condition"),
            N("a", "utility_reason"),
        ];
        var r = V(nodes, [E("t", "a"), E("a", "b", "nope"), E("b", "a")]);
        Assert.Equal(
            [("b", "config_invalid"), ("b", "config_invalid"), ("b", "cycle"), ("a", "config_invalid"), ("a", "unknown_port"), ("a", "duplicate_id")],
            r.Errors.Select(i => (i.StepId, i.Code)).ToList());
        Assert.Equal(r.Errors, V(nodes, [E("t", "a"), E("a", "b", "nope"), E("b", "a")]).Errors);
    }
}
