using System.Text.Json;
using FlowForge.Core.Catalog;

namespace FlowForge.Core.Tests.Catalog;

public class ConfigSchemaValidatorTests
{
    private const string Schema = """
        {
          "type": "object",
          "required": ["name"],
          "properties": {
            "name": { "type": "string", "minLength": 1 },
            "count": { "type": "integer", "minimum": 1, "maximum": 10 },
            "ratio": { "type": "number", "exclusiveMinimum": 0 },
            "flag": { "type": "boolean" },
            "mode": { "type": "string", "enum": ["a", "b"] },
            "slug": { "type": "string", "pattern": "^[a-z]+$" },
            "wait": { "type": ["string", "number"], "format": "duration" },
            "at": { "type": "string", "format": "date-time" },
            "url": { "type": "string", "format": "uri" },
            "tags": { "type": "array", "minItems": 2, "items": { "type": "string" } },
            "headers": { "type": "object", "additionalProperties": { "type": "string" } },
            "anything": { "title": "no type" },
            "nested": {
              "type": "object",
              "additionalProperties": false,
              "properties": { "max": { "type": "integer", "minimum": 1 } }
            },
            "list": {
              "type": "array",
              "items": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } }
            }
          }
        }
        """;

    private static IReadOnlyList<SchemaError> Check(string config, string schema = Schema) =>
        ConfigSchemaValidator.Validate(JsonDocument.Parse(config).RootElement, JsonDocument.Parse(schema).RootElement);

    private static void AssertError(string config, string path, string messagePart)
    {
        var errors = Check(config);
        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(messagePart, StringComparison.Ordinal));
    }

    [Fact]
    public void ValidConfig_HasNoErrors() => Assert.Empty(Check("""
        {
          "name": "x", "count": 3, "ratio": 0.5, "flag": true, "mode": "a", "slug": "abc", "wait": "5m",
          "at": "2025-01-31T09:00:00Z", "url": "https://example.com/a", "tags": ["a", "b"], "headers": { "X": "1" },
          "anything": [1, { "a": null }], "nested": { "max": 2 }, "list": [{ "id": "1" }], "extra": 1
        }
        """));

    [Theory]
    [InlineData("""{"name": 5}""", "name", "must be a string (got a number)")]
    [InlineData("""{"name": "x", "count": "3"}""", "count", "must be an integer (got a string)")]
    [InlineData("""{"name": "x", "count": 3.5}""", "count", "must be an integer")]
    [InlineData("""{"name": "x", "flag": "true"}""", "flag", "must be a boolean")]
    [InlineData("""{"name": "x", "tags": "a"}""", "tags", "must be an array")]
    [InlineData("""{"name": "x", "nested": []}""", "nested", "must be an object")]
    [InlineData("""{"name": "x", "wait": true}""", "wait", "must be a string or a number (got a boolean)")]
    public void WrongTypes_AreReported(string config, string path, string message) => AssertError(config, path, message);

    [Fact]
    public void WholeNumber_IsAnInteger() => Assert.Empty(Check("""{"name": "x", "count": 3.0}"""));

    [Theory]
    [InlineData("""{}""", "name", "is required")]
    [InlineData("""{"name": null}""", "name", "is required")]
    [InlineData("""{"name": "  "}""", "name", "is required")]
    [InlineData("""{"name": "x", "count": 0}""", "count", "at least 1")]
    [InlineData("""{"name": "x", "count": 11}""", "count", "at most 10")]
    [InlineData("""{"name": "x", "ratio": 0}""", "ratio", "greater than 0")]
    [InlineData("""{"name": "x", "mode": "c"}""", "mode", "must be one of \"a\", \"b\"")]
    [InlineData("""{"name": "x", "slug": "A1"}""", "slug", "pattern")]
    [InlineData("""{"name": "x", "wait": "soon"}""", "wait", "not a valid duration")]
    [InlineData("""{"name": "x", "wait": -3}""", "wait", "negative")]
    [InlineData("""{"name": "x", "at": "tomorrow"}""", "at", "date-time")]
    [InlineData("""{"name": "x", "url": "not a url"}""", "url", "absolute URL")]
    [InlineData("""{"name": "x", "tags": ["a"]}""", "tags", "at least 2 items")]
    [InlineData("""{"name": "x", "tags": ["a", 1]}""", "tags[1]", "must be a string")]
    [InlineData("""{"name": "x", "headers": {"X": 1}}""", "headers.X", "must be a string")]
    [InlineData("""{"name": "x", "nested": {"max": 0}}""", "nested.max", "at least 1")]
    [InlineData("""{"name": "x", "nested": {"other": 1}}""", "nested.other", "not a known setting")]
    [InlineData("""{"name": "x", "list": [{"id": "1"}, {}]}""", "list[1].id", "is required")]
    public void Constraints_AreReportedWithTheirPath(string config, string path, string message) => AssertError(config, path, message);

    [Fact]
    public void NullOptionalProperty_CountsAsAbsent() => Assert.Empty(Check("""{"name": "x", "count": null, "nested": null}"""));

    [Theory]
    [InlineData("count")]
    [InlineData("ratio")]
    [InlineData("flag")]
    [InlineData("mode")]
    [InlineData("slug")]
    [InlineData("wait")]
    [InlineData("at")]
    [InlineData("url")]
    [InlineData("tags")]
    [InlineData("headers")]
    [InlineData("nested")]
    [InlineData("list")]
    public void TemplateString_IsAcceptedForAnyType(string property) =>
        Assert.Empty(Check($$$"""{"name": "{{trigger.name}}", "{{{property}}}": "{{ steps.a.value }}"}"""));

    [Fact]
    public void TemplateInsideAString_IsAccepted() =>
        Assert.Empty(Check("""{"name": "x", "url": "https://api.example.com/{{vars.id}}", "tags": ["{{a}}", "{{b}}"]}"""));

    [Fact]
    public void TextThatOnlyLooksLikeATemplate_IsStillChecked() =>
        AssertError("""{"name": "x", "count": "{{ not valid! }}"}""", "count", "must be an integer");

    [Fact]
    public void MultipleProblems_AreAllReported()
    {
        var errors = Check("""{"count": 0, "mode": "z"}""");
        Assert.Equal(["name", "count", "mode"], errors.Select(e => e.Path));
    }

    [Fact]
    public void NodeSchema_NestedRetry_IsChecked()
    {
        var schema = NodeCatalog.Default.Find("action_http")!.ConfigSchema;
        var errors = ConfigSchemaValidator.Validate(JsonDocument.Parse("""
            {
              "url": "https://example.com",
              "retry": { "maxAttempts": 0, "initialInterval": "1 sec", "backoffCoefficient": 0.5, "maxInterval": "2m", "jitter": true },
              "timeout": "forever",
              "onError": "ignore"
            }
            """).RootElement, schema);
        Assert.Equal(
            ["retry.maxAttempts", "retry.initialInterval", "retry.backoffCoefficient", "retry.jitter", "timeout", "onError"],
            errors.Select(e => e.Path));

        Assert.Empty(ConfigSchemaValidator.Validate(JsonDocument.Parse("""
            { "url": "https://example.com", "retry": { "maxAttempts": 5, "initialInterval": "PT2S", "maxInterval": 60 }, "timeout": "{{vars.timeout}}", "onError": "error" }
            """).RootElement, schema));
    }
}
