using System.Text.Json.Nodes;
using FlowForge.Core.Expressions;

namespace FlowForge.Core.Tests.Expressions;

public class ExpressionContextTests
{
    internal static ExpressionContext Sample()
    {
        var context = new ExpressionContext(
            trigger: JsonNode.Parse("""{"message_text":"hello","user":{"name":"Ana","tags":["a","b"]},"shared":"from-trigger"}"""),
            vars: new JsonObject { ["item"] = "loop-item", ["count"] = 3 },
            execution: new JsonObject { ["id"] = "exec-1", ["workflowId"] = "wf-1", ["startedAt"] = "2025-01-01T00:00:00Z" });
        context.AddStepOutput("fetch", JsonNode.Parse("""{"items":[{"name":"first","price":1.5},{"name":"second","price":2}],"shared":"from-fetch","nothing":null}"""));
        context.AddStepOutput("classify", JsonNode.Parse("""{"intent":"high","sentiment_score":0.75,"shared":"from-classify"}"""));
        return context;
    }

    private static string? Resolve(ExpressionContext context, string path) =>
        context.TryResolve(path, out var value) ? value?.ToJsonString() ?? "null" : null;

    [Theory]
    [InlineData("trigger.message_text", "\"hello\"")]
    [InlineData("trigger.user.name", "\"Ana\"")]
    [InlineData("trigger.user.tags[1]", "\"b\"")]
    [InlineData("trigger.user.tags.0", "\"a\"")]
    [InlineData("steps.fetch.items[0].name", "\"first\"")]
    [InlineData("steps.fetch.items[1].price", "2")]
    [InlineData("steps.classify.intent", "\"high\"")]
    [InlineData("vars.item", "\"loop-item\"")]
    [InlineData("execution.workflowId", "\"wf-1\"")]
    [InlineData("  {{ execution.id }} ", "\"exec-1\"")]
    [InlineData("steps.fetch.nothing", "null")]
    public void TryResolve_FollowsRootedPaths(string path, string expectedJson) =>
        Assert.Equal(expectedJson, Resolve(Sample(), path));

    [Theory]
    [InlineData("trigger.missing")]
    [InlineData("trigger.user.tags[2]")]
    [InlineData("trigger.user.name.first")]
    [InlineData("trigger.user[0]")]
    [InlineData("steps.unknown.x")]
    [InlineData("steps.fetch.items[0].name.length")]
    [InlineData("nope")]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("a.")]
    [InlineData("a[")]
    [InlineData("a[x]")]
    [InlineData("[0]")]
    [InlineData("1abc")]
    [InlineData("trigger.user.tags[99999999999999]")]
    [InlineData("trigger message")]
    public void TryResolve_ReturnsFalseForMissingOrMalformed(string path) =>
        Assert.Null(Resolve(Sample(), path));

    [Fact]
    public void BareName_PrefersVarsThenLatestStepThenTrigger()
    {
        var context = Sample();
        Assert.Equal("\"from-classify\"", Resolve(context, "shared"));          // latest step wins over older step and trigger
        Assert.Equal("\"hello\"", Resolve(context, "message_text"));            // only the trigger has it
        Assert.Equal("\"high\"", Resolve(context, "intent"));                   // step output
        Assert.Equal("\"first\"", Resolve(context, "items[0].name"));           // bare name then path
        Assert.Equal("3", Resolve(context, "count"));                           // vars

        context.Vars["shared"] = "from-vars";
        Assert.Equal("\"from-vars\"", Resolve(context, "shared"));
    }

    [Fact]
    public void BareName_FirstHolderWinsWithoutFallback()
    {
        var context = new ExpressionContext(JsonNode.Parse("""{"user":{"name":"T"}}"""));
        context.AddStepOutput("s", JsonNode.Parse("""{"user":{"id":1}}"""));
        Assert.Null(Resolve(context, "user.name")); // the step holds "user", so the trigger is not consulted
        Assert.Equal("1", Resolve(context, "user.id"));
    }

    [Fact]
    public void AddStepOutput_SameIdReplacesAndBecomesLatest()
    {
        var context = Sample();
        context.AddStepOutput("fetch", new JsonObject { ["shared"] = "fetch-again" });

        Assert.Equal(["classify", "fetch"], context.Steps.Select(s => s.Key));
        Assert.Equal("\"fetch-again\"", Resolve(context, "shared"));
        Assert.Null(Resolve(context, "steps.fetch.items"));
    }

    [Fact]
    public void RootNamesWinOverVariablesOfTheSameName()
    {
        var context = new ExpressionContext(new JsonObject { ["a"] = 1 }, new JsonObject { ["trigger"] = "var" });
        Assert.Equal("{\"a\":1}", Resolve(context, "trigger"));
        Assert.Equal("\"var\"", Resolve(context, "vars.trigger"));
    }

    [Fact]
    public void NonObjectTriggerAndStepsAreSkippedByBareNames()
    {
        var context = new ExpressionContext(JsonValue.Create("just text"));
        context.AddStepOutput("list", new JsonArray(1, 2));
        Assert.Null(Resolve(context, "x"));
        Assert.Equal("\"just text\"", Resolve(context, "trigger"));
        Assert.Equal("2", Resolve(context, "steps.list[1]"));
    }

    [Fact]
    public void ToJson_IsADeepCloneInCompletionOrder()
    {
        var context = Sample();
        var snapshot = context.ToJson();

        Assert.Equal(["trigger", "steps", "vars", "execution"], snapshot.Select(p => p.Key));
        Assert.Equal(["fetch", "classify"], snapshot["steps"]!.AsObject().Select(p => p.Key));
        Assert.Equal("exec-1", (string?)snapshot["execution"]!["id"]);

        snapshot["vars"]!["item"] = "changed";
        snapshot["steps"]!["fetch"]!["items"]!.AsArray().Clear();
        Assert.Equal("\"loop-item\"", Resolve(context, "vars.item"));
        Assert.Equal("\"first\"", Resolve(context, "steps.fetch.items[0].name"));
    }

    [Fact]
    public void StepsRoot_ResolvesToASnapshot()
    {
        Assert.True(Sample().TryResolve("steps", out var steps));
        Assert.Equal(2, steps!.AsObject().Count);
    }

    [Fact]
    public void Defaults_AreEmptyObjects()
    {
        var context = new ExpressionContext();
        Assert.Null(context.Trigger);
        Assert.Empty(context.Vars);
        Assert.Empty(context.Execution);
        Assert.Empty(context.Steps);
        Assert.False(context.TryResolve("trigger", out _));
        Assert.Equal("""{"trigger":null,"steps":{},"vars":{},"execution":{}}""", context.ToJson().ToJsonString());
    }
}
