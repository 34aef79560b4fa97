using System.Text.RegularExpressions;

namespace FlowForge.Core.Model;

/// <summary>
/// The one definition of what a <c>{{placeholder}}</c> looks like, shared by the template resolver,
/// the condition language and validation so they can never disagree about it.
/// </summary>
public static partial class TemplateSyntax
{
    /// <summary>Matches <c>{{ path }}</c>; group "path" holds the trimmed path (letters, digits, _, -, ., [n]).</summary>
    [GeneratedRegex(@"\{\{\s*(?<path>[A-Za-z_$][A-Za-z0-9_\-$]*(?:\.[A-Za-z0-9_\-$]+|\[\d+\])*)\s*\}\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    public static partial Regex Placeholder();

    /// <summary>Every placeholder path in <paramref name="text"/>, in order of appearance.</summary>
    public static IEnumerable<string> Paths(string text)
    {
        foreach (Match m in Placeholder().Matches(text))
        {
            yield return m.Groups["path"].Value;
        }
    }
}
