using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Catalog;
using FlowForge.Server.Nodes;

namespace FlowForge.Bench;

/// <summary>The bench's no-op activity: <c>{value: input.value + 1}</c>. Exists only in the bench's catalog.</summary>
public sealed class NoopHandler : INodeHandler
{
    public const string TypeName = "bench_noop";

    public static NodeTypeDescriptor Descriptor { get; } = new()
    {
        Type = TypeName,
        Category = NodeCategory.Utility,
        DisplayName = "Bench no-op",
        Description = "Benchmark only: returns its input value plus one.",
        ConfigSchema = JsonDocument.Parse("""{"type":"object","properties":{"value":{}}}""").RootElement.Clone(),
        OutputFields = [new("value", "number", "The input value plus one.")],
    };

    public string NodeType => TypeName;

    public Task<NodeResult> RunAsync(NodeRunContext context, CancellationToken ct)
    {
        var value = context.Input?["value"] switch
        {
            JsonValue v when v.TryGetValue<long>(out var l) => l,
            JsonValue v when v.TryGetValue<double>(out var d) => (long)d,
            JsonValue v when v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => throw new NodeFailure($"bench_noop: input.value is not a number ({context.Input?["value"]?.ToJsonString() ?? "null"}).", retryable: false),
        };
        return Task.FromResult(new NodeResult(new JsonObject { ["value"] = value + 1 }));
    }
}
