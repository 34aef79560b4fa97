using System.Text.Json.Nodes;

namespace FlowForge.Core.Expressions;

/// <summary>
/// The data a template or condition sees while a node runs:
/// <c>trigger</c> (the trigger data), <c>steps.&lt;nodeId&gt;</c> (each finished node's output, kept in completion
/// order), <c>vars</c> (set-variable results, the loop item) and <c>execution</c> (id, workflowId, startedAt).
/// </summary>
/// <remarks>
/// <para><b>Path rules</b> (<see cref="TryResolve"/>): a path is a first name followed by <c>.member</c> and
/// <c>[index]</c> segments, e.g. <c>steps.fetch.items[0].name</c>. A numeric member (<c>items.0</c>) also indexes
/// an array. Whitespace around the path and one pair of surrounding <c>{{ }}</c> are tolerated.</para>
/// <para>When the first name is <c>trigger</c>, <c>steps</c>, <c>vars</c> or <c>execution</c> it names that root
/// (so a variable called <c>trigger</c> is only reachable as <c>vars.trigger</c>). Any other first name is a
/// <i>bare name</i>, looked up in this order and the first holder wins (the rest of the path is then navigated
/// in it, with no further fallback):
/// <list type="number">
/// <item><see cref="Vars"/>;</item>
/// <item>the step outputs, most recently completed first, whose output is an object holding that field;</item>
/// <item>the trigger, when it is an object holding that field.</item>
/// </list>
/// A field that is present with a JSON null value counts as present (it resolves to <c>null</c>).</para>
/// <para>The context does not copy what it is given and <see cref="TryResolve"/> returns live nodes: clone them
/// before attaching them to another tree. Not thread-safe.</para>
/// </remarks>
public sealed class ExpressionContext
{
    private readonly List<KeyValuePair<string, JsonNode?>> _steps = [];

    public ExpressionContext(JsonNode? trigger = null, JsonObject? vars = null, JsonObject? execution = null)
    {
        Trigger = trigger;
        Vars = vars ?? [];
        Execution = execution ?? [];
    }

    public JsonNode? Trigger { get; }

    /// <summary>The most bytes one resolved value may take (the host's Limits__MaxStepOutputBytes; default 1 MiB).</summary>
    public long MaxValueBytes { get; init; } = Engine.EngineLimits.DefaultMaxStepOutputBytes;

    /// <summary>Set-variable results and the current loop item; mutable so the engine can add to it.</summary>
    public JsonObject Vars { get; }

    /// <summary><c>id</c>, <c>workflowId</c>, <c>startedAt</c>.</summary>
    public JsonObject Execution { get; }

    /// <summary>Finished steps' outputs in completion order (oldest first).</summary>
    public IReadOnlyList<KeyValuePair<string, JsonNode?>> Steps => _steps.AsReadOnly();

    /// <summary>Records a finished step's output. A later call for the same id replaces it and makes it the latest.</summary>
    public void AddStepOutput(string stepId, JsonNode? output)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepId);
        var index = _steps.FindIndex(s => s.Key == stepId);
        if (index >= 0) _steps.RemoveAt(index);
        _steps.Add(new(stepId, output));
    }

    /// <summary>The output of step <paramref name="stepId"/>, if it finished.</summary>
    public bool TryGetStepOutput(string stepId, out JsonNode? output)
    {
        foreach (var step in _steps)
        {
            if (step.Key == stepId)
            {
                output = step.Value;
                return true;
            }
        }
        output = null;
        return false;
    }

    /// <summary>
    /// Resolves <paramref name="path"/> following the rules in the class remarks. Returns false when any segment is
    /// missing (or the path is malformed); returns true with a null <paramref name="value"/> for a JSON null.
    /// </summary>
    public bool TryResolve(string path, out JsonNode? value)
    {
        value = null;
        if (path is null || !TryParsePath(path, out var segments)) return false;

        var first = segments[0].Name!;
        JsonNode? current;
        switch (first)
        {
            case "trigger":
                if (Trigger is null) return false;
                current = Trigger;
                break;
            case "steps":
                if (segments.Count == 1)
                {
                    value = StepsSnapshot();
                    return true;
                }
                if (segments[1].Name is not { } stepId || !TryGetStepOutput(stepId, out current)) return false;
                segments.RemoveAt(0); // the step id is consumed below as the "first" segment
                break;
            case "vars":
                current = Vars;
                break;
            case "execution":
                current = Execution;
                break;
            default:
                if (!TryResolveBareName(first, out current)) return false;
                break;
        }

        for (var i = 1; i < segments.Count; i++)
        {
            if (!TryStep(current, segments[i], out current)) return false;
        }
        value = current;
        return true;
    }

    /// <summary>A deep-cloned snapshot: <c>{trigger, steps:{id: output, ...}, vars, execution}</c>, steps in completion order.</summary>
    public JsonObject ToJson() => new()
    {
        ["trigger"] = Trigger?.DeepClone(),
        ["steps"] = StepsSnapshot(),
        ["vars"] = Vars.DeepClone(),
        ["execution"] = Execution.DeepClone(),
    };

    private JsonObject StepsSnapshot()
    {
        var steps = new JsonObject();
        foreach (var step in _steps) steps[step.Key] = step.Value?.DeepClone();
        return steps;
    }

    private bool TryResolveBareName(string name, out JsonNode? value)
    {
        if (Vars.TryGetPropertyValue(name, out value)) return true;
        for (var i = _steps.Count - 1; i >= 0; i--)
        {
            if (_steps[i].Value is JsonObject output && output.TryGetPropertyValue(name, out value)) return true;
        }
        if (Trigger is JsonObject trigger && trigger.TryGetPropertyValue(name, out value)) return true;
        value = null;
        return false;
    }

    private static bool TryStep(JsonNode? current, Segment segment, out JsonNode? next)
    {
        next = null;
        switch (current)
        {
            case JsonObject obj when segment.Name is not null:
                return obj.TryGetPropertyValue(segment.Name, out next);
            case JsonArray array:
                var index = segment.Index;
                if (segment.Name is not null && !TryParseIndex(segment.Name, out index)) return false;
                if (index < 0 || index >= array.Count) return false;
                next = array[index];
                return true;
            default:
                return false;
        }
    }

    private readonly record struct Segment(string? Name, int Index);

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$';

    private static bool TryParseIndex(string text, out int index)
    {
        index = -1;
        if (text.Length == 0 || text.Length > 9) return false;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        index = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Splits <c>a.b[0].c</c> into segments; same character set as <see cref="Model.TemplateSyntax"/>.</summary>
    private static bool TryParsePath(string path, out List<Segment> segments)
    {
        segments = [];
        var text = path.AsSpan().Trim();
        if (text.StartsWith("{{") && text.EndsWith("}}") && text.Length >= 4) text = text[2..^2].Trim();
        if (text.Length == 0 || text.Length > 4096) return false;

        var i = 0;
        var expectName = true;
        while (i < text.Length)
        {
            if (expectName)
            {
                var start = i;
                while (i < text.Length && IsNameChar(text[i])) i++;
                if (i == start) return false;
                segments.Add(new(text[start..i].ToString(), -1));
                expectName = false;
            }
            else if (text[i] == '.')
            {
                i++;
                expectName = true;
            }
            else if (text[i] == '[')
            {
                var start = ++i;
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                if (i == start || i >= text.Length || text[i] != ']') return false;
                if (!TryParseIndex(text[start..i].ToString(), out var index)) return false;
                segments.Add(new(null, index));
                i++;
            }
            else
            {
                return false;
            }
        }
        if (expectName) return false; // trailing '.'
        var first = segments[0].Name;
        return first is not null && !char.IsAsciiDigit(first[0]) && first[0] != '-';
    }
}
