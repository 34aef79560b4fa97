using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Engine;

namespace FlowForge.Core.Expressions;

/// <summary>A value larger or deeper than a step may produce; the message names the limit and its setting.</summary>
public sealed class ValueLimitException(string message) : ArgumentException(message);

/// <summary>
/// The bytes one resolved value may still take, spent as it is built so that an amplifying template stops as soon as
/// it passes the limit instead of building the whole string first. Sizes are those of the compact JSON text.
/// </summary>
public sealed class ValueBudget(long maxBytes)
{
    private long _used;

    public long MaxBytes { get; } = maxBytes;

    public void Spend(long bytes)
    {
        _used += bytes;
        if (_used > MaxBytes) throw TooLarge(MaxBytes);
    }

    public void Spend(string text) => Spend(Encoding.UTF8.GetByteCount(text) + 2);

    public static ValueLimitException TooLarge(long max) =>
        new($"The value is larger than {max} bytes: it exceeds Limits__MaxStepOutputBytes ({max}).");

    public static ValueLimitException TooDeep(int max) =>
        new($"The value is nested deeper than {max} levels, the most a step output can have and still be stored.");

    /// <summary>
    /// Spends <paramref name="node"/>'s size, walking it only as far as the budget allows, and checks that placed
    /// <paramref name="depth"/> levels down it stays within <see cref="EngineLimits.MaxOutputDepth"/>.
    /// </summary>
    public void SpendNode(JsonNode? node, int depth)
    {
        // Only containers add a level (see EngineLimits.IsTooDeep): a container at depth d is d + 1 levels deep.
        if (node is JsonObject or JsonArray && EngineLimits.IsTooDeep(depth + 1)) throw TooDeep(EngineLimits.MaxOutputDepth);
        switch (node)
        {
            case null:
                Spend(4);
                break;
            case JsonObject obj:
                Spend(2);
                foreach (var (name, child) in obj)
                {
                    Spend(name);
                    SpendNode(child, depth + 1);
                }
                break;
            case JsonArray array:
                Spend(2);
                foreach (var item in array)
                {
                    Spend(1);
                    SpendNode(item, depth + 1);
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                Spend(JsonText.GetString(value));
                break;
            default:
                Spend(node.ToJsonString().Length);
                break;
        }
    }

    /// <summary>Null when <paramref name="node"/> fits <paramref name="maxBytes"/> and <see cref="EngineLimits.MaxOutputDepth"/>, else why not.</summary>
    public static string? Check(JsonNode? node, long maxBytes)
    {
        try
        {
            new ValueBudget(maxBytes).SpendNode(node, 0);
            return null;
        }
        catch (ValueLimitException e)
        {
            return e.Message;
        }
        catch (InvalidOperationException e)
        {
            // Deeper than a JsonNode can even be walked: certainly too deep to store.
            return e.Message;
        }
    }
}
