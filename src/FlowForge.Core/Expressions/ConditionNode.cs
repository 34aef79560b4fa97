using System.Text.Json.Nodes;

namespace FlowForge.Core.Expressions;

/// <summary>
/// The parsed form of a condition, from the string language (<see cref="ConditionParser"/>) or the structured
/// JSON forms (<see cref="ConditionEvaluator.Compile"/>). <see cref="Position"/> is the 0-based index in the source
/// text for the string language and -1 for structured conditions.
/// </summary>
public abstract record ConditionNode(int Position);

/// <summary>True when every operand is (evaluated left to right, short-circuiting).</summary>
public sealed record AndCondition(IReadOnlyList<ConditionNode> Operands, int Position = -1) : ConditionNode(Position);

/// <summary>True when any operand is (evaluated left to right, short-circuiting).</summary>
public sealed record OrCondition(IReadOnlyList<ConditionNode> Operands, int Position = -1) : ConditionNode(Position);

public sealed record NotCondition(ConditionNode Operand, int Position = -1) : ConditionNode(Position);

/// <summary>
/// The structured <c>{left, operator, right, logicalOp, next}</c> chain: folded strictly left to right with no
/// precedence, <c>((items[0] op[0] items[1]) op[1] items[2]) ...</c>. <see cref="Operators"/> has one entry fewer than
/// <see cref="Items"/>.
/// </summary>
public sealed record ChainCondition(IReadOnlyList<ConditionNode> Items, IReadOnlyList<LogicalOperator> Operators)
    : ConditionNode(-1);

/// <summary><c>left operator right</c>; <see cref="Right"/> is null for the postfix operators <c>is_empty</c> and <c>exists</c>.</summary>
public sealed record ComparisonCondition(
    ConditionOperand Left,
    ComparisonOperator Operator,
    ConditionOperand? Right,
    ComparisonType? As = null,
    int Position = -1) : ConditionNode(Position);

/// <summary>
/// A lone operand used as a condition (<c>true</c>, <c>{{approved}}</c>): true for JSON true and the string
/// "true" (any case), false for JSON false and "false"; anything else (and a missing variable) is false with a warning.
/// </summary>
public sealed record ValueCondition(ConditionOperand Value, int Position = -1) : ConditionNode(Position);

/// <summary>One side of a comparison.</summary>
public abstract record ConditionOperand(int Position);

/// <summary>A <c>{{path}}</c> read from the <see cref="ExpressionContext"/>; <see cref="Path"/> has no braces.</summary>
public sealed record VariableOperand(string Path, int Position = -1) : ConditionOperand(Position);

/// <summary>A literal used as-is (string language strings, numbers, true/false/null). Never template-expanded.</summary>
public sealed record LiteralOperand(JsonNode? Value, int Position = -1) : ConditionOperand(Position);

/// <summary>
/// A structured-form value whose strings may contain <c>{{templates}}</c>: resolved like
/// <see cref="TemplateResolver.ResolveValue(JsonNode?, ExpressionContext, ICollection{string}?)"/> at evaluation time
/// (a string that is exactly one placeholder yields the typed value; a missing one counts as a missing operand).
/// </summary>
public sealed record TemplateOperand(JsonNode? Value) : ConditionOperand(-1);

public enum LogicalOperator { And, Or }

/// <summary>The structured forms' <c>type</c> field: both sides are converted to this type before comparing.</summary>
public enum ComparisonType { String, Number, Boolean }

public enum ComparisonOperator
{
    Equal,
    NotEqual,
    GreaterThan,
    LessThan,
    GreaterOrEqual,
    LessOrEqual,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    IsEmpty,
    Exists,
}

/// <summary>Operator names shared by the string language and the structured forms.</summary>
public static class ComparisonOperators
{
    private static readonly Dictionary<string, ComparisonOperator> ByName = new(StringComparer.Ordinal)
    {
        ["=="] = ComparisonOperator.Equal,
        ["equals"] = ComparisonOperator.Equal,
        ["!="] = ComparisonOperator.NotEqual,
        ["notequals"] = ComparisonOperator.NotEqual,
        [">"] = ComparisonOperator.GreaterThan,
        ["greaterthan"] = ComparisonOperator.GreaterThan,
        ["<"] = ComparisonOperator.LessThan,
        ["lessthan"] = ComparisonOperator.LessThan,
        [">="] = ComparisonOperator.GreaterOrEqual,
        ["greaterorequal"] = ComparisonOperator.GreaterOrEqual,
        ["<="] = ComparisonOperator.LessOrEqual,
        ["lessorequal"] = ComparisonOperator.LessOrEqual,
        ["contains"] = ComparisonOperator.Contains,
        ["notcontains"] = ComparisonOperator.NotContains,
        ["startswith"] = ComparisonOperator.StartsWith,
        ["endswith"] = ComparisonOperator.EndsWith,
        ["isempty"] = ComparisonOperator.IsEmpty,
        ["exists"] = ComparisonOperator.Exists,
    };

    /// <summary>
    /// Looks an operator up by name: the symbols <c>== != &gt; &lt; &gt;= &lt;=</c> and the words <c>equals not_equals
    /// greater_than less_than greater_or_equal less_or_equal contains not_contains starts_with ends_with is_empty exists</c>.
    /// Words ignore case, underscores, hyphens and spaces (<c>startsWith</c>, <c>starts with</c> and <c>STARTS_WITH</c> are the same).
    /// </summary>
    public static bool TryParse(string name, out ComparisonOperator op)
    {
        var key = new string(name.Where(c => c is not ('_' or '-' or ' ')).Select(char.ToLowerInvariant).ToArray());
        return ByName.TryGetValue(key, out op);
    }

    /// <summary>True for the postfix operators that take no right operand.</summary>
    public static bool IsUnary(ComparisonOperator op) => op is ComparisonOperator.IsEmpty or ComparisonOperator.Exists;

    /// <summary>The canonical spelling used in messages.</summary>
    public static string ToText(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "==",
        ComparisonOperator.NotEqual => "!=",
        ComparisonOperator.GreaterThan => ">",
        ComparisonOperator.LessThan => "<",
        ComparisonOperator.GreaterOrEqual => ">=",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Contains => "contains",
        ComparisonOperator.NotContains => "not_contains",
        ComparisonOperator.StartsWith => "starts_with",
        ComparisonOperator.EndsWith => "ends_with",
        ComparisonOperator.IsEmpty => "is_empty",
        ComparisonOperator.Exists => "exists",
        _ => op.ToString(),
    };
}
