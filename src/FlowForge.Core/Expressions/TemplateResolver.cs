using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowForge.Core.Model;

namespace FlowForge.Core.Expressions;

/// <summary>
/// Replaces <c>{{path}}</c> placeholders (as defined by <see cref="TemplateSyntax.Placeholder"/>) with values from
/// an <see cref="ExpressionContext"/>. Paths follow <see cref="ExpressionContext.TryResolve"/>.
/// </summary>
/// <remarks>
/// <para>Formatting: strings insert as-is, numbers and booleans in invariant form (<c>1.5</c>, <c>true</c>), objects
/// and arrays as compact JSON (non-ASCII characters are not escaped), null as the empty string.</para>
/// <para>Rendering is a single pass: text inserted from a value is never scanned again, so a value containing
/// <c>{{...}}</c> stays literal. Malformed or unclosed placeholders (<c>{{ not valid! }}</c>, <c>{{x</c>) are plain text.</para>
/// <para>A missing path leaves the placeholder in place and adds the warning <c>Variable 'path' is not defined</c>
/// to the warnings collection, once per distinct message (messages already in the collection are not repeated).</para>
/// <para>Limits: a string that contains <c>{{</c> and is longer than <see cref="MaxTemplateLength"/> characters is
/// refused with an <see cref="ArgumentException"/> (strings without <c>{{</c> are returned untouched whatever their
/// size); values nested deeper than <see cref="Engine.EngineLimits.MaxOutputDepth"/> (see <see cref="Engine.EngineLimits.IsTooDeep"/>)
/// are refused with a <see cref="ValueLimitException"/>, an <see cref="ArgumentException"/> too.</para>
/// </remarks>
public static class TemplateResolver
{
    /// <summary>1 MB of characters.</summary>
    public const int MaxTemplateLength = 1024 * 1024;

    /// <summary>Deepest nesting parsed or walked when reading values (conditions, JSON text); resolving stops at the output depth first.</summary>
    public const int MaxValueDepth = 256;

    public static string Render(string template, ExpressionContext context, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(context);
        return Render(template, context, warnings, new ValueBudget(context.MaxValueBytes));
    }

    /// <summary>
    /// Renders piece by piece, spending <paramref name="budget"/> as the text grows: an amplifying template (one
    /// placeholder repeated over a large value) stops at the limit instead of building the whole string first.
    /// </summary>
    private static string Render(string template, ExpressionContext context, ICollection<string>? warnings, ValueBudget budget)
    {
        if (!template.Contains("{{", StringComparison.Ordinal)) return template;
        CheckLength(template);

        var text = new System.Text.StringBuilder();
        var last = 0;
        foreach (Match match in TemplateSyntax.Placeholder().Matches(template))
        {
            Append(text, template[last..match.Index], budget);
            var path = match.Groups["path"].Value;
            if (context.TryResolve(path, out var value))
            {
                Append(text, JsonText.Format(value), budget);
            }
            else
            {
                AddMissing(warnings, path);
                Append(text, match.Value, budget);
            }
            last = match.Index + match.Length;
        }
        Append(text, template[last..], budget);
        return text.ToString();
    }

    private static void Append(System.Text.StringBuilder text, string piece, ValueBudget budget)
    {
        if (piece.Length == 0) return;
        budget.Spend(System.Text.Encoding.UTF8.GetByteCount(piece));
        text.Append(piece);
    }

    /// <summary>
    /// Resolves a whole config value into a new tree: strings are rendered, except that a string which is exactly one
    /// placeholder (no surrounding text or spaces, e.g. <c>"{{steps.a.items}}"</c>) yields a deep clone of the typed value
    /// (array, number, null...). Objects and arrays are recursed (property names are not rendered); other values are copied.
    /// A missing single placeholder stays as its string, with a warning.
    /// </summary>
    public static JsonNode? ResolveValue(JsonElement value, ExpressionContext context, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ResolveElement(value, context, warnings, 0, new ValueBudget(context.MaxValueBytes));
    }

    /// <inheritdoc cref="ResolveValue(JsonElement, ExpressionContext, ICollection{string}?)"/>
    public static JsonNode? ResolveValue(JsonNode? value, ExpressionContext context, ICollection<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ResolveNode(value, context, warnings, 0, new ValueBudget(context.MaxValueBytes));
    }

    /// <summary>When <paramref name="text"/> is exactly one placeholder, its path.</summary>
    internal static bool TryGetSinglePlaceholder(string text, out string path)
    {
        path = "";
        if (text.Length < 5 || text.Length > MaxTemplateLength
            || !text.StartsWith("{{", StringComparison.Ordinal) || !text.EndsWith("}}", StringComparison.Ordinal)) return false;
        Match match = TemplateSyntax.Placeholder().Match(text);
        if (!match.Success || match.Index != 0 || match.Length != text.Length) return false;
        path = match.Groups["path"].Value;
        return true;
    }

    internal static void AddMissing(ICollection<string>? warnings, string path) =>
        AddWarning(warnings, $"Variable '{path}' is not defined");

    internal static void AddWarning(ICollection<string>? warnings, string message)
    {
        if (warnings is not null && !warnings.Contains(message)) warnings.Add(message);
    }

    /// <summary>A string value: the typed value for a lone placeholder, else the rendered text; placed <paramref name="depth"/> levels down.</summary>
    private static JsonNode? ResolveString(string text, ExpressionContext context, ICollection<string>? warnings, int depth, ValueBudget budget)
    {
        if (TryGetSinglePlaceholder(text, out var path))
        {
            if (context.TryResolve(path, out var resolved))
            {
                // Measured (as far as the budget goes) before it is copied: a thousand copies of a large value stop at the limit.
                budget.SpendNode(resolved, depth);
                return resolved?.DeepClone();
            }
            AddMissing(warnings, path);
            budget.Spend(text);
            return JsonValue.Create(text);
        }
        return JsonValue.Create(Render(text, context, warnings, budget));
    }

    private static void CheckLength(string template)
    {
        if (template.Length > MaxTemplateLength)
        {
            throw new ArgumentException(
                $"Template is {template.Length} characters long; the limit is {MaxTemplateLength} (1 MB).", nameof(template));
        }
    }

    private static JsonNode? ResolveNode(JsonNode? node, ExpressionContext context, ICollection<string>? warnings, int depth, ValueBudget budget)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                CheckOutputDepth(depth);
                var newObj = new JsonObject();
                foreach (var (name, child) in obj)
                {
                    budget.Spend(name);
                    newObj[name] = ResolveNode(child, context, warnings, depth + 1, budget);
                }
                return newObj;
            case JsonArray array:
                CheckOutputDepth(depth);
                var newArray = new JsonArray();
                foreach (var item in array) newArray.Add(ResolveNode(item, context, warnings, depth + 1, budget));
                return newArray;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return ResolveString(JsonText.GetString(value), context, warnings, depth, budget);
            default:
                budget.SpendNode(node, depth);
                return node.DeepClone();
        }
    }

    private static JsonNode? ResolveElement(JsonElement element, ExpressionContext context, ICollection<string>? warnings, int depth, ValueBudget budget)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                CheckOutputDepth(depth);
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    budget.Spend(property.Name);
                    obj[property.Name] = ResolveElement(property.Value, context, warnings, depth + 1, budget);
                }
                return obj;
            case JsonValueKind.Array:
                CheckOutputDepth(depth);
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray()) array.Add(ResolveElement(item, context, warnings, depth + 1, budget));
                return array;
            case JsonValueKind.String:
                return ResolveString(element.GetString()!, context, warnings, depth, budget);
            default:
                budget.Spend(element.GetRawText().Length);
                return JsonText.ToNode(element);
        }
    }

    /// <summary>
    /// A container at <paramref name="depth"/> (the root is 0) becomes part of a step's output or input: it must stay storable.
    /// This is the only depth check while resolving: it refuses long before any other nesting limit could be reached.
    /// </summary>
    private static void CheckOutputDepth(int depth)
    {
        if (Engine.EngineLimits.IsTooDeep(depth + 1)) throw ValueBudget.TooDeep(Engine.EngineLimits.MaxOutputDepth);
    }
}
