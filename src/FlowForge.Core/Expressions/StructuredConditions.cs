using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Model;

namespace FlowForge.Core.Expressions;

/// <summary>Turns the JSON condition forms into <see cref="ConditionNode"/>s; see <see cref="ConditionEvaluator"/>.</summary>
internal static class StructuredConditions
{
    public static ConditionNode Compile(JsonElement condition) => CompileAny(condition, "condition", 0);

    private static ConditionNode CompileAny(JsonElement e, string location, int depth)
    {
        if (depth > ConditionParser.MaxDepth)
        {
            throw Error(location, $"conditions are nested deeper than {ConditionParser.MaxDepth} levels");
        }
        switch (e.ValueKind)
        {
            case JsonValueKind.True:
            case JsonValueKind.False:
                return new ValueCondition(new LiteralOperand(JsonValue.Create(e.GetBoolean())));
            case JsonValueKind.String:
                return ConditionParser.Parse(e.GetString()!);
            case JsonValueKind.Object:
                if (Has(e, "conditions") || Has(e, "combinator")) return CompileGroup(e, location, depth);
                if (Has(e, "left") || Has(e, "variable") || Has(e, "operator")) return CompileChain(e, location, depth);
                throw Error(location, "expected {combinator, conditions}, {left, operator, right} or {variable, operator, value}");
            default:
                throw Error(location, $"a condition must be a string, a boolean or an object, not {Describe(e.ValueKind)}");
        }
    }

    private static ConditionNode CompileGroup(JsonElement e, string location, int depth)
    {
        var op = ReadLogical(e, "combinator", location);
        if (!e.TryGetProperty("conditions", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            throw Error(location, "'conditions' is missing");
        }
        if (list.ValueKind != JsonValueKind.Array) throw Error(location, $"'conditions' must be an array, not {Describe(list.ValueKind)}");
        if (list.GetArrayLength() == 0) throw Error(location, "'conditions' is empty");

        var items = new List<ConditionNode>();
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            items.Add(CompileAny(item, $"{location}.conditions[{i++}]", depth + 1));
        }
        return op == LogicalOperator.And ? new AndCondition(items) : new OrCondition(items);
    }

    private static ConditionNode CompileChain(JsonElement e, string location, int depth)
    {
        var items = new List<ConditionNode>();
        var ops = new List<LogicalOperator>();
        var current = e;
        while (true)
        {
            items.Add(CompileComparison(current, location));
            if (!current.TryGetProperty("next", out var next) || next.ValueKind == JsonValueKind.Null) break;
            ops.Add(ReadLogical(current, "logicalOp", location));
            location += ".next";
            if (next.ValueKind == JsonValueKind.Object && !Has(next, "conditions") && !Has(next, "combinator"))
            {
                current = next;
                continue;
            }
            items.Add(CompileAny(next, location, depth + 1));
            break;
        }
        return items.Count == 1 ? items[0] : new ChainCondition(items, ops);
    }

    private static ComparisonCondition CompileComparison(JsonElement e, string location)
    {
        var leftName = Has(e, "left") ? "left" : "variable";
        if (!e.TryGetProperty(leftName, out var left) || left.ValueKind == JsonValueKind.Null)
        {
            throw Error(location, "'left' (or 'variable') is missing");
        }
        if (left.ValueKind != JsonValueKind.String) throw Error(location, $"'{leftName}' must be a variable path string, not {Describe(left.ValueKind)}");
        var leftOperand = ReadPath(left.GetString()!, leftName, location);

        if (!e.TryGetProperty("operator", out var opElement) || opElement.ValueKind == JsonValueKind.Null)
        {
            throw Error(location, "'operator' is missing");
        }
        if (opElement.ValueKind != JsonValueKind.String || !ComparisonOperators.TryParse(opElement.GetString()!, out var op))
        {
            throw Error(location, $"unknown operator {Shorten(opElement.GetRawText())}");
        }

        ComparisonType? type = null;
        if (e.TryGetProperty("type", out var typeElement) && typeElement.ValueKind != JsonValueKind.Null)
        {
            type = typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString()!.Trim().ToLowerInvariant() switch
            {
                "string" => ComparisonType.String,
                "number" => ComparisonType.Number,
                "boolean" => ComparisonType.Boolean,
                _ => null,
            } : null;
            if (type is null) throw Error(location, $"unknown type {Shorten(typeElement.GetRawText())}; expected \"string\", \"number\" or \"boolean\"");
        }

        if (ComparisonOperators.IsUnary(op)) return new ComparisonCondition(leftOperand, op, null, type);

        var rightName = Has(e, "right") ? "right" : "value";
        if (!e.TryGetProperty(rightName, out var right))
        {
            throw Error(location, $"operator '{ComparisonOperators.ToText(op)}' needs 'right' (or 'value')");
        }
        return new ComparisonCondition(leftOperand, op, new TemplateOperand(JsonText.ToNode(right)), type);
    }

    /// <summary><c>user.age</c>, <c>{{user.age}}</c>, or text with placeholders (rendered, so a template operand).</summary>
    private static ConditionOperand ReadPath(string text, string field, string location)
    {
        if (text.Length > ConditionParser.MaxLength) throw Error(location, $"'{field}' is longer than {ConditionParser.MaxLength} characters");
        var trimmed = text.Trim();
        if (TemplateResolver.TryGetSinglePlaceholder(trimmed, out var path)) return new VariableOperand(path);
        if (trimmed.Length is > 0 and < 4096 && TemplateResolver.TryGetSinglePlaceholder("{{" + trimmed + "}}", out path))
        {
            return new VariableOperand(path);
        }
        if (TemplateSyntax.Paths(text).Any()) return new TemplateOperand(JsonValue.Create(text));
        throw Error(location, $"'{field}' is not a variable path: '{Shorten(text)}'");
    }

    private static LogicalOperator ReadLogical(JsonElement e, string name, string location)
    {
        if (!e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return LogicalOperator.And;
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!.Trim();
            if (text.Equals("AND", StringComparison.OrdinalIgnoreCase)) return LogicalOperator.And;
            if (text.Equals("OR", StringComparison.OrdinalIgnoreCase)) return LogicalOperator.Or;
        }
        throw Error(location, $"'{name}' must be \"AND\" or \"OR\", not {Shorten(value.GetRawText())}");
    }

    /// <summary>For <see cref="ConditionEvaluator.ReferencedPaths"/> on malformed input: placeholders in every string, and bare left/variable paths.</summary>
    public static void CollectPathsLeniently(JsonElement e, List<string> paths, int depth)
    {
        if (depth > TemplateResolver.MaxValueDepth) return;
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                var text = e.GetString()!;
                if (text.Length <= TemplateResolver.MaxTemplateLength) paths.AddRange(TemplateSyntax.Paths(text));
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray()) CollectPathsLeniently(item, paths, depth + 1);
                break;
            case JsonValueKind.Object:
                foreach (var property in e.EnumerateObject())
                {
                    if (property.Name is "left" or "variable" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        try
                        {
                            if (ReadPath(property.Value.GetString()!, property.Name, "") is VariableOperand v)
                            {
                                paths.Add(v.Path);
                                continue;
                            }
                        }
                        catch (ConditionException)
                        {
                            // not a path: fall through to the placeholder scan
                        }
                    }
                    CollectPathsLeniently(property.Value, paths, depth + 1);
                }
                break;
        }
    }

    private static bool Has(JsonElement e, string name) => e.TryGetProperty(name, out _);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.String => "a string",
        _ => "undefined",
    };

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "...";

    private static ConditionException Error(string location, string reason) => new($"{location}: {reason}");
}
