using System.Text.Json;
using System.Text.Json.Nodes;
using FlowForge.Core.Model;

namespace FlowForge.Core.Expressions;

/// <summary>
/// Evaluates conditions against an <see cref="ExpressionContext"/>. Nothing is ever executed as code: strings are
/// parsed by <see cref="ConditionParser"/>, structured forms are read field by field.
/// </summary>
/// <remarks>
/// <para><b>Accepted forms</b> (<see cref="Compile"/>):</para>
/// <list type="bullet">
/// <item>a JSON string in the string language (<see cref="ConditionParser"/>);</item>
/// <item>a JSON boolean;</item>
/// <item><c>{combinator: "AND"|"OR", conditions: [...]}</c>: the combinator defaults to AND and ignores case; each
/// item may be any accepted form (usually <c>{variable, operator, value, type}</c>); an empty list is an error;</item>
/// <item><c>{left, operator, right, logicalOp, next}</c> (equivalently <c>variable</c>/<c>value</c>): <c>logicalOp</c>
/// (AND/OR, default AND) joins this comparison to <c>next</c>, which may be another such object or any other form. The
/// chain is folded strictly left to right with no precedence: <c>a OR b AND c</c> is <c>(a OR b) AND c</c>.
/// <c>logicalOp</c> without <c>next</c> is ignored.</item>
/// </list>
/// <para>In a comparison object, <c>left</c>/<c>variable</c> is a path with or without braces (<c>user.age</c> or
/// <c>{{user.age}}</c>), or text with placeholders that is rendered. <c>right</c>/<c>value</c> is a JSON literal whose
/// strings may contain <c>{{templates}}</c> (see <see cref="TemplateOperand"/>); it is required for binary operators
/// (JSON null is allowed) and ignored for <c>is_empty</c>/<c>exists</c>. <c>operator</c>: see
/// <see cref="ComparisonOperators.TryParse"/>. <c>type</c>: <c>"string"</c>, <c>"number"</c> or <c>"boolean"</c>
/// (any case) converts both sides before comparing; a value that does not convert makes the comparison false with a
/// warning. Structured nesting is limited to <see cref="ConditionParser.MaxDepth"/> levels.</para>
/// <para><b>Comparison semantics</b>:</para>
/// <list type="bullet">
/// <item>When both sides are numbers, or strings that parse as invariant-culture numbers (<c>"5"</c>, <c>5</c>,
/// <c>"5.0"</c>), they compare numerically (unless <c>type</c> is "string").</item>
/// <item><c>==</c>/<c>!=</c> otherwise compare the text forms ordinally and case-sensitively (<c>true</c> equals
/// <c>"true"</c>); null equals only null; two objects/arrays compare structurally; an object/array never equals a scalar.</item>
/// <item><c>&gt; &lt; &gt;= &lt;=</c> on non-numbers compare the text forms ordinally; they are false when either side
/// is null, an object or an array.</item>
/// <item><c>contains</c>: on an array, membership using <c>==</c>; on an object, whether it has that property name;
/// on a scalar, a case-insensitive (ordinal ignore-case) substring test. <c>not_contains</c> is its negation.
/// <c>starts_with</c>/<c>ends_with</c> are case-insensitive on scalars' text and false for null, objects and arrays.</item>
/// <item><c>is_empty</c>: true for a missing variable, null, <c>""</c>, <c>[]</c> and <c>{}</c>.
/// <c>exists</c>: true when the variable resolves to a non-null value.</item>
/// <item>A missing variable makes every other comparison false (including <c>!=</c> and <c>not_contains</c>) and adds the
/// warning <c>Variable 'path' is not defined</c>; <c>exists</c>/<c>is_empty</c> do not warn.</item>
/// </list>
/// </remarks>
public static class ConditionEvaluator
{
    /// <summary>Evaluates any accepted form. Throws <see cref="ConditionException"/> / <see cref="ConditionSyntaxException"/> when malformed.</summary>
    public static bool Evaluate(JsonElement condition, ExpressionContext context, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Evaluate(Compile(condition), context, warnings);
    }

    /// <summary>Evaluates a condition in the string language.</summary>
    public static bool Evaluate(string condition, ExpressionContext context, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Evaluate(ConditionParser.Parse(condition), context, warnings);
    }

    /// <summary>Evaluates an already parsed condition (parse once, evaluate per item in loops).</summary>
    public static bool Evaluate(ConditionNode condition, ExpressionContext context, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(context);
        return new Evaluation(context, warnings).Eval(condition);
    }

    /// <summary>Parses any accepted form into a <see cref="ConditionNode"/>; throws when malformed.</summary>
    public static ConditionNode Compile(JsonElement condition) => StructuredConditions.Compile(condition);

    /// <summary>Static check without data: null when the condition is well formed, else the error.</summary>
    public static ConditionException? Check(JsonElement condition)
    {
        try
        {
            Compile(condition);
            return null;
        }
        catch (ConditionException ex)
        {
            return ex;
        }
    }

    /// <summary>
    /// Every variable path the condition reads, without braces, distinct, in order of appearance: placeholders and
    /// <c>left</c>/<c>variable</c> paths, plus placeholders inside structured <c>right</c>/<c>value</c> templates.
    /// For a malformed condition, the paths that can still be found (placeholders anywhere in its strings).
    /// </summary>
    public static IReadOnlyList<string> ReferencedPaths(JsonElement condition)
    {
        var paths = new List<string>();
        try
        {
            CollectPaths(Compile(condition), paths);
        }
        catch (ConditionException)
        {
            paths.Clear();
            StructuredConditions.CollectPathsLeniently(condition, paths, 0);
        }
        return paths.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void CollectPaths(ConditionNode node, List<string> paths)
    {
        switch (node)
        {
            case AndCondition and:
                foreach (var operand in and.Operands) CollectPaths(operand, paths);
                break;
            case OrCondition or:
                foreach (var operand in or.Operands) CollectPaths(operand, paths);
                break;
            case ChainCondition chain:
                foreach (var item in chain.Items) CollectPaths(item, paths);
                break;
            case NotCondition not:
                CollectPaths(not.Operand, paths);
                break;
            case ComparisonCondition comparison:
                CollectPaths(comparison.Left, paths);
                if (comparison.Right is not null) CollectPaths(comparison.Right, paths);
                break;
            case ValueCondition value:
                CollectPaths(value.Value, paths);
                break;
        }
    }

    private static void CollectPaths(ConditionOperand operand, List<string> paths)
    {
        switch (operand)
        {
            case VariableOperand variable:
                paths.Add(variable.Path);
                break;
            case TemplateOperand template:
                CollectTemplatePaths(template.Value, paths, 0);
                break;
        }
    }

    private static void CollectTemplatePaths(JsonNode? node, List<string> paths, int depth)
    {
        if (depth > TemplateResolver.MaxValueDepth) return;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj) CollectTemplatePaths(child, paths, depth + 1);
                break;
            case JsonArray array:
                foreach (var item in array) CollectTemplatePaths(item, paths, depth + 1);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                paths.AddRange(TemplateSyntax.Paths(JsonText.GetString(value)));
                break;
        }
    }

    /// <summary>One evaluation: the context plus where warnings go.</summary>
    private sealed class Evaluation(ExpressionContext context, ICollection<string>? warnings)
    {
        private readonly record struct Operand(bool Found, JsonNode? Value, string Label);

        public bool Eval(ConditionNode node)
        {
            switch (node)
            {
                case AndCondition and:
                    foreach (var operand in and.Operands)
                    {
                        if (!Eval(operand)) return false;
                    }
                    return true;
                case OrCondition or:
                    foreach (var operand in or.Operands)
                    {
                        if (Eval(operand)) return true;
                    }
                    return false;
                case NotCondition not:
                    return !Eval(not.Operand);
                case ChainCondition chain:
                    var result = Eval(chain.Items[0]);
                    for (var i = 1; i < chain.Items.Count; i++)
                    {
                        var op = i - 1 < chain.Operators.Count ? chain.Operators[i - 1] : LogicalOperator.And;
                        result = op == LogicalOperator.And ? result && Eval(chain.Items[i]) : result || Eval(chain.Items[i]);
                    }
                    return result;
                case ValueCondition value:
                    return EvalValue(value);
                case ComparisonCondition comparison:
                    return EvalComparison(comparison);
                default:
                    throw new ConditionException($"Unsupported condition node {node.GetType().Name}");
            }
        }

        private bool EvalValue(ValueCondition condition)
        {
            var operand = Resolve(condition.Value, warnIfMissing: true);
            if (!operand.Found) return false;
            var value = JsonText.Normalize(operand.Value);
            switch (JsonText.KindOf(value))
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.String:
                    var text = JsonText.GetString((JsonValue)value!).Trim();
                    if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
                    if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
                    break;
            }
            Warn($"Value of '{operand.Label}' is not a boolean; treated as false");
            return false;
        }

        private bool EvalComparison(ComparisonCondition c)
        {
            switch (c.Operator)
            {
                case ComparisonOperator.Exists:
                {
                    var left = Resolve(c.Left, warnIfMissing: false);
                    return left.Found && JsonText.Normalize(left.Value) is not null;
                }
                case ComparisonOperator.IsEmpty:
                {
                    var left = Resolve(c.Left, warnIfMissing: false);
                    return !left.Found || IsEmpty(JsonText.Normalize(left.Value));
                }
            }

            var l = Resolve(c.Left, warnIfMissing: true);
            var r = c.Right is null ? new Operand(true, null, "null") : Resolve(c.Right, warnIfMissing: true);
            if (!l.Found || !r.Found) return false;

            var a = JsonText.Normalize(l.Value);
            var b = JsonText.Normalize(r.Value);
            var numeric = true;
            if (c.As is { } type)
            {
                if (!TryCoerce(l, type, out a) || !TryCoerce(r, type, out b)) return false;
                numeric = type != ComparisonType.String;
            }

            return c.Operator switch
            {
                ComparisonOperator.Equal => AreEqual(a, b, numeric),
                ComparisonOperator.NotEqual => !AreEqual(a, b, numeric),
                ComparisonOperator.GreaterThan => Compare(a, b, numeric) is > 0,
                ComparisonOperator.LessThan => Compare(a, b, numeric) is < 0,
                ComparisonOperator.GreaterOrEqual => Compare(a, b, numeric) is >= 0,
                ComparisonOperator.LessOrEqual => Compare(a, b, numeric) is <= 0,
                ComparisonOperator.Contains => Contains(a, b, numeric),
                ComparisonOperator.NotContains => !Contains(a, b, numeric),
                ComparisonOperator.StartsWith => TextPair(a, b, out var x, out var y) && x.StartsWith(y, StringComparison.OrdinalIgnoreCase),
                ComparisonOperator.EndsWith => TextPair(a, b, out var x, out var y) && x.EndsWith(y, StringComparison.OrdinalIgnoreCase),
                _ => throw new ConditionException($"Unsupported operator {c.Operator}"),
            };
        }

        private Operand Resolve(ConditionOperand operand, bool warnIfMissing)
        {
            switch (operand)
            {
                case VariableOperand variable:
                    if (context.TryResolve(variable.Path, out var value)) return new(true, value, variable.Path);
                    if (warnIfMissing) TemplateResolver.AddMissing(warnings, variable.Path);
                    return new(false, null, variable.Path);
                case LiteralOperand literal:
                    return new(true, literal.Value, JsonText.Format(literal.Value));
                case TemplateOperand template:
                    if (template.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                        && TemplateResolver.TryGetSinglePlaceholder(JsonText.GetString(v), out var path))
                    {
                        return Resolve(new VariableOperand(path), warnIfMissing);
                    }
                    var resolved = TemplateResolver.ResolveValue(template.Value, context, warnings);
                    return new(true, resolved, JsonText.Format(resolved));
                default:
                    throw new ConditionException($"Unsupported operand {operand.GetType().Name}");
            }
        }

        private bool TryCoerce(Operand operand, ComparisonType type, out JsonNode? result)
        {
            var value = JsonText.Normalize(operand.Value);
            result = null;
            switch (type)
            {
                case ComparisonType.String:
                    result = JsonValue.Create(JsonText.Format(value));
                    return true;
                case ComparisonType.Number when JsonText.TryGetNumber(value, out var number):
                    result = JsonText.CreateNumber(number);
                    return true;
                case ComparisonType.Boolean when JsonText.TryGetBoolean(value, out var boolean):
                    result = JsonValue.Create(boolean);
                    return true;
            }
            Warn($"Value of '{Shorten(operand.Label)}' cannot be converted to {type.ToString().ToLowerInvariant()}");
            return false;
        }

        private void Warn(string message) => TemplateResolver.AddWarning(warnings, message);

        private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "...";

        private static bool IsEmpty(JsonNode? value) => value switch
        {
            null => true,
            JsonArray array => array.Count == 0,
            JsonObject obj => obj.Count == 0,
            JsonValue v => v.GetValueKind() == JsonValueKind.String && JsonText.GetString(v).Length == 0,
            _ => false,
        };

        private static bool AreEqual(JsonNode? a, JsonNode? b, bool numeric)
        {
            if (a is null || b is null) return a is null && b is null;
            if (JsonText.IsContainer(a) || JsonText.IsContainer(b))
            {
                return JsonText.IsContainer(a) && JsonText.IsContainer(b) && JsonNode.DeepEquals(a, b);
            }
            if (numeric && JsonText.TryGetNumber(a, out var x) && JsonText.TryGetNumber(b, out var y)) return x.CompareTo(y) == 0;
            return string.Equals(JsonText.Format(a), JsonText.Format(b), StringComparison.Ordinal);
        }

        /// <summary>Null when the two values cannot be ordered.</summary>
        private static int? Compare(JsonNode? a, JsonNode? b, bool numeric)
        {
            if (a is null || b is null || JsonText.IsContainer(a) || JsonText.IsContainer(b)) return null;
            if (numeric && JsonText.TryGetNumber(a, out var x) && JsonText.TryGetNumber(b, out var y)) return x.CompareTo(y);
            return Math.Sign(string.CompareOrdinal(JsonText.Format(a), JsonText.Format(b)));
        }

        private static bool Contains(JsonNode? haystack, JsonNode? needle, bool numeric)
        {
            switch (haystack)
            {
                case null:
                    return false;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        if (AreEqual(JsonText.Normalize(item), needle, numeric)) return true;
                    }
                    return false;
                case JsonObject obj:
                    return needle is JsonValue && obj.ContainsKey(JsonText.Format(needle));
                default:
                    return TextPair(haystack, needle, out var x, out var y) && x.Contains(y, StringComparison.OrdinalIgnoreCase);
            }
        }

        private static bool TextPair(JsonNode? a, JsonNode? b, out string x, out string y)
        {
            x = y = "";
            if (a is not JsonValue || b is not JsonValue) return false;
            x = JsonText.Format(a);
            y = JsonText.Format(b);
            return true;
        }
    }
}
