using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;

namespace FlowForge.Core.Model;

/// <summary>
/// Parses the duration strings used in configs (timeouts, delays, retry intervals):
/// <list type="bullet">
/// <item>a number with a unit: <c>500ms</c>, <c>3s</c>, <c>5m</c>, <c>2h</c>, <c>2d</c>, <c>1w</c>; units may be
/// combined largest first (<c>1h30m</c>) and the number may have a fraction (<c>1.5h</c>); units are lower case;</item>
/// <item>an ISO 8601 duration: <c>PT5M</c>, <c>P2D</c>, <c>P1DT2H</c> (years and months count as 365 and 30 days);</item>
/// <item>a plain number of seconds: <c>30</c>, <c>0.5</c>.</item>
/// </list>
/// Negative durations and durations longer than <see cref="Max"/> (366 days) are rejected.
/// </summary>
public static partial class Durations
{
    /// <summary>The longest duration accepted anywhere: 366 days.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(366);

    private const string Examples = "use e.g. 500ms, 30s, 5m, 2h, 2d, 1w, 1h30m, an ISO 8601 duration such as PT5M or P1DT2H, or a number of seconds";

    [GeneratedRegex(@"^(?:(?<n>\d+(?:\.\d+)?)(?<u>ms|s|m|h|d|w))+$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UnitForm();

    public static bool TryParse(string? text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var value, out var error) ? value : throw new FormatException(error);
    }

    /// <summary>As <see cref="TryParse(string?, out TimeSpan)"/>, with a message for the user when it fails.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string? error)
    {
        value = TimeSpan.Zero;
        error = null;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s))
        {
            error = $"A duration is required: {Examples}.";
            return false;
        }

        double seconds;
        if (s.StartsWith('-'))
        {
            error = $"'{s}' is negative; durations must be zero or more.";
            return false;
        }
        if (s[0] is 'P' or 'p')
        {
            try
            {
                seconds = XmlConvert.ToTimeSpan(s.ToUpperInvariant()).TotalSeconds;
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                error = $"'{s}' is not a valid ISO 8601 duration: {Examples}.";
                return false;
            }
        }
        else if (double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var plain))
        {
            seconds = plain;
        }
        else if (UnitForm().Match(s) is { Success: true } m)
        {
            seconds = 0;
            var previousRank = int.MaxValue;
            var numbers = m.Groups["n"].Captures;
            var units = m.Groups["u"].Captures;
            for (var i = 0; i < units.Count; i++)
            {
                var (factor, rank) = units[i].Value switch
                {
                    "ms" => (0.001, 0),
                    "s" => (1d, 1),
                    "m" => (60d, 2),
                    "h" => (3600d, 3),
                    "d" => (86400d, 4),
                    _ => (604800d, 5), // w
                };
                if (rank >= previousRank)
                {
                    error = $"'{s}' repeats a unit or lists units out of order (write the largest first, as in 1h30m).";
                    return false;
                }
                previousRank = rank;
                seconds += double.Parse(numbers[i].Value, CultureInfo.InvariantCulture) * factor;
            }
        }
        else
        {
            error = $"'{s}' is not a valid duration: {Examples}.";
            return false;
        }

        if (double.IsNaN(seconds) || seconds < 0)
        {
            error = $"'{s}' is negative; durations must be zero or more.";
            return false;
        }
        if (seconds > Max.TotalSeconds)
        {
            error = $"'{s}' is too long: durations may be at most 366 days.";
            return false;
        }
        value = TimeSpan.FromMilliseconds(Math.Round(seconds * 1000));
        return true;
    }
}
