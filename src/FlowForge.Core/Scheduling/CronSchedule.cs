using System.Globalization;
using Quartz;

namespace FlowForge.Core.Scheduling;

/// <summary>
/// A <c>trigger_schedule</c>'s cron expression read in its time zone, parsed by Quartz's <see cref="CronExpression"/>.
/// </summary>
/// <remarks>
/// Five fields (<c>minute hour day-of-month month day-of-week</c>) are classic cron: day-of-week 0–7 with 0 and 7 =
/// Sunday, and <c>*</c> in either day field. They are converted to Quartz's form: a seconds field <c>0</c> in front,
/// day-of-week numbers shifted to Quartz's 1–7 (1 = Sunday), and <c>?</c> in the unrestricted day field. Six or seven
/// fields (seconds first, optional year) are Quartz syntax as is (day-of-week 1–7 = SUN–SAT), with the same <c>?</c>
/// fix-up when one day field is <c>*</c>. Restricting both day-of-month and day-of-week is refused: classic cron ORs
/// them, Quartz cannot express that.
/// </remarks>
public sealed class CronSchedule
{
    private readonly CronExpression _cron;

    private CronSchedule(string expression, string quartz, TimeZoneInfo timeZone, CronExpression cron)
    {
        Expression = expression;
        QuartzExpression = quartz;
        TimeZone = timeZone;
        _cron = cron;
    }

    public string Expression { get; }
    public string QuartzExpression { get; }
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Parses <paramref name="cron"/> in <paramref name="timeZone"/> (IANA id; empty means UTC). The error names what is wrong.</summary>
    public static bool TryParse(string? cron, string? timeZone, out CronSchedule? schedule, out string? error)
    {
        schedule = null;
        if (!TryFindTimeZone(timeZone, out var zone))
        {
            error = $"unknown time zone '{timeZone}': use an IANA id such as Europe/Paris or UTC";
            return false;
        }
        if (!TryToQuartz(cron, out var quartz, out error)) return false;
        try
        {
            var expression = new CronExpression(quartz!) { TimeZone = zone };
            schedule = new CronSchedule(cron!.Trim(), quartz!, zone, expression);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            error = $"'{cron}' is not a valid cron expression: {e.Message}";
            return false;
        }
    }

    public static bool TryFindTimeZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id) || id.Trim() is "UTC" or "Etc/UTC" or "Z") return true;
        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out zone!);
    }

    /// <summary>The first tick strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) => _cron.GetNextValidTimeAfter(after);

    /// <summary>The next <paramref name="count"/> ticks strictly after <paramref name="after"/>.</summary>
    public IReadOnlyList<DateTimeOffset> Next(DateTimeOffset after, int count)
    {
        var result = new List<DateTimeOffset>(count);
        var t = after;
        while (result.Count < count && NextAfter(t) is { } next)
        {
            result.Add(next);
            t = next;
        }
        return result;
    }

    /// <summary>Converts a 5-field classic cron or a 6/7-field Quartz expression to Quartz's form (see remarks).</summary>
    public static bool TryToQuartz(string? cron, out string? quartz, out string? error)
    {
        quartz = null;
        if (string.IsNullOrWhiteSpace(cron))
        {
            error = "the cron expression is empty";
            return false;
        }
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is < 5 or > 7)
        {
            error = $"must have 5 fields (minute hour day month weekday) or 6-7 with seconds first and an optional year; it has {fields.Length}";
            return false;
        }
        string[] q;
        if (fields.Length == 5)
        {
            if (!TryMapDayOfWeek(fields[4], out var dow, out error)) return false;
            q = ["0", fields[0], fields[1], fields[2], fields[3], dow!];
        }
        else
        {
            q = [.. fields];
        }
        // Quartz wants '?' in exactly one of day-of-month (3) and day-of-week (5).
        if (q[3] != "?" && q[5] != "?")
        {
            if (q[5] == "*") q[5] = "?";
            else if (q[3] == "*") q[3] = "?";
            else
            {
                error = $"'{cron}' restricts both the day of the month and the day of the week; put * in one of them";
                return false;
            }
        }
        quartz = string.Join(' ', q);
        error = null;
        return true;
    }

    /// <summary>Classic day-of-week numbers (0–7, 0 and 7 = Sunday) to Quartz's (1–7, 1 = Sunday); names and symbols unchanged.</summary>
    private static bool TryMapDayOfWeek(string field, out string? mapped, out string? error)
    {
        mapped = null;
        error = null;
        var parts = new List<string>();
        foreach (var part in field.Split(','))
        {
            var slash = part.IndexOf('/');
            var range = slash < 0 ? part : part[..slash];
            var step = slash < 0 ? "" : part[slash..];
            var dash = range.IndexOf('-');
            if (dash > 0 && int.TryParse(range[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && int.TryParse(range[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var to))
            {
                if (from > 7 || to > 7)
                {
                    error = $"day of week '{part}' is out of range 0-7";
                    return false;
                }
                if (to == 7 && from > 0)
                {
                    if (step.Length > 0)
                    {
                        error = $"day of week '{part}': a range ending on 7 (Sunday) cannot have a step; use 0 or list the days";
                        return false;
                    }
                    parts.Add($"{from + 1}-7");
                    parts.Add("1");
                    continue;
                }
                parts.Add($"{Shift(from)}-{Shift(to)}{step}");
                continue;
            }
            var digits = 0;
            while (digits < range.Length && char.IsAsciiDigit(range[digits])) digits++;
            if (digits > 0)
            {
                var day = int.Parse(range[..digits], CultureInfo.InvariantCulture);
                if (day > 7)
                {
                    error = $"day of week '{part}' is out of range 0-7";
                    return false;
                }
                parts.Add(Shift(day) + range[digits..] + step);
                continue;
            }
            parts.Add(part);
        }
        mapped = string.Join(',', parts);
        return true;

        static string Shift(int day) => (day % 7 + 1).ToString(CultureInfo.InvariantCulture);
    }
}
