using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Expressions;

namespace FlowForge.Core.Tests.Expressions;

public class TemplateResolverTests
{
    private static ExpressionContext Sample() => ExpressionContextTests.Sample();

    [Fact]
    public void Render_ReplacesEveryPlaceholder()
    {
        var warnings = new List<string>();
        var text = TemplateResolver.Render(
            "Hi {{trigger.user.name}}, you said '{{ message_text }}' ({{intent}}/{{steps.fetch.items[1].name}}) #{{execution.id}}",
            Sample(), warnings);
        Assert.Equal("Hi Ana, you said 'hello' (high/second) #exec-1", text);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Render_FormatsValueKinds()
    {
        var context = new ExpressionContext(vars: new JsonObject
        {
            ["int"] = 42,
            ["dbl"] = 1.5,
            ["dec"] = 0.1m,
            ["neg"] = -2.25e-3,
            ["t"] = true,
            ["f"] = false,
            ["nul"] = null,
            ["obj"] = new JsonObject { ["a"] = 1, ["b"] = new JsonArray("x", "é<>") },
            ["arr"] = new JsonArray(1, "two", null),
            ["str"] = "plain \"quoted\"",
        });
        Assert.Equal("42|1.5|0.1|-0.00225|true|false||{\"a\":1,\"b\":[\"x\",\"é<>\"]}|[1,\"two\",null]|plain \"quoted\"",
            TemplateResolver.Render("{{int}}|{{dbl}}|{{dec}}|{{neg}}|{{t}}|{{f}}|{{nul}}|{{obj}}|{{arr}}|{{str}}", context));
    }

    [Fact]
    public void Render_IsCultureInvariant()
    {
        var original = CultureInfo.CurrentCulture;
        try
        {
            var commaCulture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            commaCulture.NumberFormat.NumberDecimalSeparator = ",";
            commaCulture.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = commaCulture;

            var context = new ExpressionContext(vars: new JsonObject { ["x"] = 1234.5, ["y"] = JsonNode.Parse("1e3") });
            Assert.Equal("1234.5 1e3", TemplateResolver.Render("{{x}} {{y}}", context));
            Assert.True(ConditionEvaluator.Evaluate("{{x}} > 1234.4 AND {{x}} == '1234.5'", context));
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }

    [Fact]
    public void Render_MissingVariableKeepsPlaceholderAndWarnsOncePerPath()
    {
        var warnings = new List<string>();
        var text = TemplateResolver.Render("{{nope}} and {{ nope }} and {{trigger.zip}} and {{nope}}", Sample(), warnings);
        Assert.Equal("{{nope}} and {{ nope }} and {{trigger.zip}} and {{nope}}", text);
        Assert.Equal(["Variable 'nope' is not defined", "Variable 'trigger.zip' is not defined"], warnings);

        TemplateResolver.Render("again {{nope}}", Sample(), warnings);
        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public void Render_WithoutWarningsCollectionStillKeepsPlaceholder() =>
        Assert.Equal("x {{nope}}", TemplateResolver.Render("x {{nope}}", Sample()));

    [Theory]
    [InlineData("no placeholders at all")]
    [InlineData("{{ not valid! }}")]
    [InlineData("{{unclosed")]
    [InlineData("{{")]
    [InlineData("}}{{}}")]
    [InlineData("{single}")]
    [InlineData("")]
    public void Render_LeavesNonPlaceholdersAlone(string template)
    {
        var warnings = new List<string>();
        Assert.Equal(template, TemplateResolver.Render(template, Sample(), warnings));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Render_IsSinglePass_ValuesAreNeverReRendered()
    {
        var context = new ExpressionContext(vars: new JsonObject
        {
            ["evil"] = "{{secret}}",
            ["secret"] = "TOP",
            ["code"] = "System.IO.File.Delete(\"x\"); '); DROP TABLE users; --",
        });
        Assert.Equal("{{secret}} / System.IO.File.Delete(\"x\"); '); DROP TABLE users; --",
            TemplateResolver.Render("{{evil}} / {{code}}", context));
    }

    [Fact]
    public void Render_HugeTemplatesAreRefusedClearly()
    {
        var huge = new string('a', TemplateResolver.MaxTemplateLength) + "{{x}}";
        var ex = Assert.Throws<ArgumentException>(() => TemplateResolver.Render(huge, Sample()));
        Assert.Contains("limit is 1048576", ex.Message);

        // Without any "{{" there is nothing to process: returned as-is whatever the size.
        var plain = new string('b', TemplateResolver.MaxTemplateLength + 10);
        Assert.Same(plain, TemplateResolver.Render(plain, Sample()));

        // Just under the limit works, even with many placeholders.
        var many = string.Concat(Enumerable.Repeat("{{intent}}-", 90_000));
        Assert.Equal(string.Concat(Enumerable.Repeat("high-", 90_000)), TemplateResolver.Render(many, Sample()));
    }

    [Fact]
    public void Render_ManyUnclosedOpenersAreHarmless()
    {
        var text = string.Concat(Enumerable.Repeat("{{", 200_000));
        Assert.Equal(text, TemplateResolver.Render(text, Sample()));
    }

    [Fact]
    public void ResolveValue_SinglePlaceholderYieldsTypedValue()
    {
        var config = JsonDocument.Parse("""
            {
              "list": "{{steps.fetch.items}}",
              "score": "{{sentiment_score}}",
              "flag": "{{vars.flag}}",
              "nothing": "{{steps.fetch.nothing}}",
              "text": "Score: {{sentiment_score}}",
              "spaced": " {{sentiment_score}}",
              "nested": { "deep": ["{{count}}", "{{trigger.user}}", 7, true, null] },
              "{{intent}}": "keys are not rendered"
            }
            """).RootElement;
        var context = Sample();
        context.Vars["flag"] = false;
        var warnings = new List<string>();

        var resolved = TemplateResolver.ResolveValue(config, context, warnings)!.AsObject();

        Assert.Equal(JsonValueKind.Array, resolved["list"]!.GetValueKind());
        Assert.Equal("second", (string?)resolved["list"]![1]!["name"]);
        Assert.Equal(0.75, resolved["score"]!.GetValue<double>());
        Assert.Equal(JsonValueKind.False, resolved["flag"]!.GetValueKind());
        Assert.True(resolved.ContainsKey("nothing"));
        Assert.Null(resolved["nothing"]);
        Assert.Equal("Score: 0.75", (string?)resolved["text"]);
        Assert.Equal(" 0.75", (string?)resolved["spaced"]);
        Assert.Equal("""[3,{"name":"Ana","tags":["a","b"]},7,true,null]""", resolved["nested"]!["deep"]!.ToJsonString());
        Assert.Equal("keys are not rendered", (string?)resolved["{{intent}}"]);
        Assert.Empty(warnings);

        // The result is a new tree: changing it leaves the context alone.
        resolved["list"]!.AsArray().Clear();
        Assert.True(context.TryResolve("steps.fetch.items[1]", out _));
    }

    [Fact]
    public void ResolveValue_MissingSinglePlaceholderStaysAsStringWithWarning()
    {
        var warnings = new List<string>();
        var resolved = TemplateResolver.ResolveValue(JsonNode.Parse("""{"a":"{{missing}}","b":["{{missing}}","x {{missing}}"]}"""), Sample(), warnings);
        Assert.Equal("""{"a":"{{missing}}","b":["{{missing}}","x {{missing}}"]}""", resolved!.ToJsonString());
        Assert.Equal(["Variable 'missing' is not defined"], warnings);
    }

    [Fact]
    public void ResolveValue_NodeOverloadReturnsNewTree()
    {
        var input = JsonNode.Parse("""{"n":1,"s":"{{intent}}","arr":[{"x":"{{count}}"}]}""");
        var output = TemplateResolver.ResolveValue(input, Sample());
        Assert.Equal("""{"n":1,"s":"high","arr":[{"x":3}]}""", output!.ToJsonString());
        Assert.Equal("""{"n":1,"s":"{{intent}}","arr":[{"x":"{{count}}"}]}""", input!.ToJsonString());
        Assert.NotSame(input["n"], output["n"]);
        Assert.Null(TemplateResolver.ResolveValue((JsonNode?)null, Sample()));
    }

    [Fact]
    public void ResolveValue_ScalarElements()
    {
        var context = Sample();
        Assert.Equal("high", (string?)TemplateResolver.ResolveValue(JsonDocument.Parse("\"{{intent}}\"").RootElement, context));
        Assert.Equal("12.50", TemplateResolver.ResolveValue(JsonDocument.Parse("12.50").RootElement, context)!.ToJsonString());
        Assert.Null(TemplateResolver.ResolveValue(JsonDocument.Parse("null").RootElement, context));
        Assert.Equal("true", TemplateResolver.ResolveValue(JsonDocument.Parse("true").RootElement, context)!.ToJsonString());
    }

    [Fact]
    public void ResolveValue_TooDeepIsRefused()
    {
        JsonNode node = new JsonArray();
        var root = node;
        for (var i = 0; i < TemplateResolver.MaxValueDepth + 5; i++)
        {
            var child = new JsonArray();
            node.AsArray().Add(child);
            node = child;
        }
        // A resolved value becomes a step's input or output, so the storable depth (48) applies before the walk's own 256.
        var ex = Assert.ThrowsAny<ArgumentException>(() => TemplateResolver.ResolveValue(root, Sample()));
        Assert.Contains($"nested deeper than {FlowForge.Core.Engine.EngineLimits.MaxOutputDepth}", ex.Message);
    }

    private static JsonNode Nested(int levels, bool emptyInnermost)
    {
        JsonNode root = emptyInnermost ? new JsonObject() : new JsonObject { ["leaf"] = 1 };
        for (var i = 1; i < levels; i++) root = new JsonObject { ["a"] = root };
        return root;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OutputDepth_48LevelsAreAllowed_49AreTooDeep_TheSameInEveryCheck(bool emptyInnermost)
    {
        // One definition (EngineLimits.IsTooDeep) for resolving templates and for checking a finished output.
        var context = new ExpressionContext(new JsonObject { ["ok"] = Nested(48, emptyInnermost), ["deep"] = Nested(49, emptyInnermost) });

        Assert.Null(ValueBudget.Check(Nested(48, emptyInnermost), long.MaxValue));
        Assert.NotNull(TemplateResolver.ResolveValue(Nested(48, emptyInnermost), context));
        Assert.NotNull(TemplateResolver.ResolveValue(JsonValue.Create("{{trigger.ok}}"), context));

        Assert.Contains("nested deeper than 48", ValueBudget.Check(Nested(49, emptyInnermost), long.MaxValue));
        Assert.Throws<ValueLimitException>(() => TemplateResolver.ResolveValue(Nested(49, emptyInnermost), context));
        Assert.Throws<ValueLimitException>(() => TemplateResolver.ResolveValue(JsonValue.Create("{{trigger.deep}}"), context));
    }

    [Fact]
    public void Render_AmplifyingTemplate_StopsAtTheBudget_NamingTheSetting()
    {
        var context = new ExpressionContext(new JsonObject { ["s"] = new string('x', 100 * 1024) }) { MaxValueBytes = 1024 * 1024 };
        var template = string.Concat(Enumerable.Repeat("{{trigger.s}}", 1000));

        var ex = Assert.Throws<ValueLimitException>(() => TemplateResolver.Render(template, context));
        Assert.Contains("exceeds Limits__MaxStepOutputBytes (1048576)", ex.Message);
    }

    [Fact]
    public void ResolveValue_ManyCopiesOfALargeValue_StopAtTheBudget()
    {
        var context = new ExpressionContext(new JsonObject { ["big"] = new JsonArray([.. Enumerable.Range(0, 20_000).Select(i => (JsonNode)JsonValue.Create(i))]) })
        {
            MaxValueBytes = 100_000,
        };
        var config = new JsonArray([.. Enumerable.Range(0, 1000).Select(_ => (JsonNode)JsonValue.Create("{{trigger.big}}"))]);

        Assert.Throws<ValueLimitException>(() => TemplateResolver.ResolveValue(config, context));
        // Under the budget, the same value resolves as before.
        Assert.Equal(20_000, ((JsonArray)TemplateResolver.ResolveValue(JsonValue.Create("{{trigger.big}}"), new ExpressionContext(context.Trigger))!).Count);
    }
}
