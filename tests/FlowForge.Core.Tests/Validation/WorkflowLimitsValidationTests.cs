using System.Text.Json;
using FlowForge.Core.Catalog;
using FlowForge.Core.Engine;
using FlowForge.Core.Model;
using FlowForge.Core.Validation;

namespace FlowForge.Core.Tests.Validation;

/// <summary>Values that would make a published workflow abusive or ambiguous are refused before publish.</summary>
public class WorkflowLimitsValidationTests
{
    private static NodeDefinition N(string id, string type, string config = "{}") =>
        new(id, type, JsonDocument.Parse(config).RootElement.Clone());

    private static ValidationResult V(NodeDefinition[] nodes, EdgeDefinition[] edges) =>
        WorkflowValidator.Validate(new WorkflowGraph(nodes, edges), NodeCatalog.Default);

    private static ValidationResult Step(string type, string config) =>
        V([N("t", "trigger_manual"), N("s", type, config)], [new("e1", "t", "s", null)]);

    [Theory]
    [InlineData("""{"maxAttempts": 1000000000}""", "retry.maxAttempts")]
    [InlineData("""{"maxAttempts": 1e9}""", "retry.maxAttempts")]
    [InlineData("""{"maxAttempts": 101}""", "retry.maxAttempts")]
    [InlineData("""{"backoffCoefficient": 1e300}""", "retry.backoffCoefficient")]
    [InlineData("""{"initialInterval": "300d"}""", "retry.initialInterval")]
    [InlineData("""{"maxInterval": "2d"}""", "retry.maxInterval")]
    public void Retry_BeyondItsCaps_IsAConfigError(string retry, string field)
    {
        var result = Step("action_http", $$"""{"url": "https://example.com", "retry": {{retry}}}""");
        var issue = Assert.Single(result.Errors);
        Assert.Equal((ValidationCodes.ConfigInvalid, field), (issue.Code, issue.Field));
    }

    [Fact]
    public void Retry_AtItsCaps_IsValid()
    {
        var result = Step("action_http", """{"url": "https://example.com", "retry": {"maxAttempts": 100, "backoffCoefficient": 10, "initialInterval": "1d", "maxInterval": "24h"}}""");
        Assert.True(result.Valid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void StepSettings_ClampAnUnvalidatedRetry()
    {
        var settings = StepSettings.From(N("s", "action_http", """{"retry": {"maxAttempts": 1000000000, "backoffCoefficient": 1e300, "maxInterval": "300d"}}"""));
        Assert.Equal(100, settings.MaxAttempts);
        Assert.Equal(10, settings.BackoffCoefficient);
        Assert.Equal(TimeSpan.FromDays(1), settings.MaxInterval);
    }

    [Fact]
    public void Delay_UntilYear9999_IsAConfigError()
    {
        var result = Step("logic_delay", """{"until": "9999-12-31T23:59:59Z"}""");
        var issue = Assert.Single(result.Errors);
        Assert.Equal((ValidationCodes.ConfigInvalid, "until"), (issue.Code, issue.Field));
        Assert.Contains("366 days", issue.Message);
    }

    [Fact]
    public void Delay_TemplatedUntil_IsLeftToRunTime() =>
        Assert.True(Step("logic_delay", """{"until": "{{trigger.at}}"}""").Valid);

    [Fact]
    public void DuplicateEdgeIds_AreAnError_WithAStableCode()
    {
        var result = V([N("t", "trigger_manual"), N("a", "logic_set_variable", """{"variables": {"x": 1}}"""), N("b", "logic_set_variable", """{"variables": {"y": 1}}""")],
            [new("e1", "t", "a", null), new("e1", "t", "b", null)]);
        var issue = Assert.Single(result.Errors);
        Assert.Equal(ValidationCodes.DuplicateEdgeId, issue.Code);
        Assert.Equal("duplicate_edge_id", ValidationCodes.DuplicateEdgeId);
        Assert.Contains("'e1'", issue.Message);
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("step\u202Eevil")]
    [InlineData("x\u2066y")]
    [InlineData("line\nbreak")]
    public void ControlAndBidiCharacters_InStepIds_AreAnError(string id)
    {
        var result = V([N("t", "trigger_manual"), N(id, "logic_set_variable", """{"variables": {"x": 1}}""")], [new("e1", "t", id, null)]);
        var issue = Assert.Single(result.Errors);
        Assert.Equal(ValidationCodes.InvalidCharacters, issue.Code);
    }

    [Fact]
    public void ControlCharacters_InEdgeIds_AreAnError()
    {
        var result = V([N("t", "trigger_manual"), N("a", "logic_set_variable", """{"variables": {"x": 1}}""")], [new("e\u0000", "t", "a", null)]);
        Assert.Equal(ValidationCodes.InvalidCharacters, Assert.Single(result.Errors).Code);
    }

    [Theory]
    [InlineData("plain name", false, true)]
    [InlineData("émoji ✓ 名前", false, true)]
    [InlineData("two\nlines\tand tab", true, true)]
    [InlineData("two\nlines", false, false)]
    [InlineData("nul\u0000", true, false)]
    [InlineData("del\u007F", true, false)]
    [InlineData("c1\u0085", true, false)]
    [InlineData("\u202Aembed", true, false)]
    [InlineData("\u2069isolate", true, false)]
    public void SafeText_RefusesControlAndBidiCharacters(string text, bool multiline, bool ok) =>
        Assert.Equal(ok, SafeText.Problem(text, multiline) is null);
}
