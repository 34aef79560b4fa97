using System.ComponentModel.DataAnnotations;

namespace FlowForge.Server.Hosting;

/// <summary>A duration setting's bounds, written as TimeSpan strings (<c>"00:00:01"</c>, <c>"1.00:00:00"</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute : RangeAttribute
{
    public TimeSpanRangeAttribute(string minimum, string maximum) : base(typeof(TimeSpan), minimum, maximum)
    {
        ParseLimitsInInvariantCulture = true;
        ConvertValueInInvariantCulture = true;
    }
}

/// <summary>An optional URL setting: when set, an absolute http or https URL.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class HttpUrlAttribute() : ValidationAttribute("{0} must be an absolute http:// or https:// URL")
{
    public override bool IsValid(object? value) =>
        value is null || value is string { Length: 0 } ||
        (value is string s && Uri.TryCreate(s.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));

    public override string FormatErrorMessage(string name) => string.Format(System.Globalization.CultureInfo.InvariantCulture, ErrorMessageString, name);
}

/// <summary>A setting taking one of a few words (compared without regard to case or surrounding spaces); unset is allowed.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OneOfAttribute(params string[] allowed) : ValidationAttribute
{
    public IReadOnlyList<string> Allowed { get; } = allowed;

    public override bool IsValid(object? value) =>
        value is null || value is string s && Allowed.Any(a => string.Equals(a, s.Trim(), StringComparison.OrdinalIgnoreCase));

    public override string FormatErrorMessage(string name) => $"{name} must be one of {string.Join(", ", Allowed)}";
}
