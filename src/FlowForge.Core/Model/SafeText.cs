using System.Globalization;

namespace FlowForge.Core.Model;

/// <summary>
/// Characters refused in names and ids: C0/C1 control characters (NUL included) and the bidirectional embedding,
/// override and isolate characters (U+202A–U+202E, U+2066–U+2069). Controls break logs, files and terminals; bidi
/// controls make a name display differently from what it is ("Trojan Source"), so two ids that look alike differ.
/// </summary>
public static class SafeText
{
    /// <summary>Null when <paramref name="text"/> is fine, else what is wrong with it, for a message.</summary>
    /// <param name="text">The value.</param>
    /// <param name="multiline">Whether tab, line feed and carriage return are allowed (descriptions, not names or ids).</param>
    public static string? Problem(string? text, bool multiline = false)
    {
        if (text is null) return null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (multiline && c is '\t' or '\n' or '\r') continue;
            if (char.IsControl(c))
            {
                return $"contains the control character U+{(int)c:X4} at position {i.ToString(CultureInfo.InvariantCulture)}";
            }
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                return $"contains the bidirectional control character U+{(int)c:X4} at position {i.ToString(CultureInfo.InvariantCulture)}";
            }
        }
        return null;
    }
}
