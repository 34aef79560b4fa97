using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace FlowForge.Server.Hosting;

/// <summary>
/// Binds and validates configuration sections. Every options class is checked at start-up against the
/// validation attributes on its properties (and those of nested settings objects), so a bad value stops the
/// server with a message naming the setting as an environment variable (<c>Engine__DispatcherBatchSize must be
/// between 1 and 10000 (was 0)</c>) instead of starting a server that silently misbehaves.
/// </summary>
internal static partial class SettingsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> to <paramref name="sectionPath"/> (e.g. <c>Providers:Smtp</c>) and validates it when the host starts.</summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, IConfiguration configuration, string sectionPath)
        where T : class
    {
        var section = configuration.GetSection(sectionPath);
        services.AddOptions<T>()
            .Configure(options => Bind(section, options, sectionPath))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(sectionPath));
        // Configure(...) does not watch the section the way Bind(...) does: keep IOptionsMonitor reloads working.
        services.AddSingleton<IOptionsChangeTokenSource<T>>(new ConfigurationChangeTokenSource<T>(Options.DefaultName, section));
        return services;
    }

    /// <summary>
    /// Reads and validates a section at registration time, for the few settings that decide which services are
    /// registered (roles, storage provider): the same checks and messages as at start-up, only earlier.
    /// </summary>
    public static T ReadSettings<T>(this IConfiguration configuration, string sectionPath)
        where T : class, new()
    {
        var options = new T();
        Bind(configuration.GetSection(sectionPath), options, sectionPath);
        var errors = Check(options, EnvironmentName(sectionPath));
        if (errors.Count > 0) throw new OptionsValidationException(sectionPath, typeof(T), errors);
        return options;
    }

    /// <summary><c>Providers:Smtp</c> → <c>Providers__Smtp</c>: how the setting is written as an environment variable.</summary>
    public static string EnvironmentName(string path) => path.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The messages of a start-up failure caused by settings, or null when <paramref name="e"/> is something else.</summary>
    public static string? DescribeFailure(Exception e) => e switch
    {
        OptionsValidationException o => string.Join(Environment.NewLine, o.Failures),
        AggregateException a when a.InnerExceptions.All(i => i is OptionsValidationException) =>
            string.Join(Environment.NewLine, a.InnerExceptions.SelectMany(i => ((OptionsValidationException)i).Failures)),
        _ => null,
    };

    internal static List<string> Check(object options, string prefix)
    {
        var errors = new List<string>();
        Walk(options, prefix, errors, depth: 0);
        return errors;
    }

    private static void Bind(IConfiguration section, object options, string sectionPath)
    {
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsValidationException(sectionPath, options.GetType(), [DescribeBindError(e, sectionPath)]);
        }
    }

    private static string DescribeBindError(InvalidOperationException e, string sectionPath)
    {
        // "Failed to convert configuration value 'abc' at 'Engine:DispatcherBatchSize' to type 'System.Int32'."
        var match = BindError().Match(e.Message);
        if (!match.Success) return $"{EnvironmentName(sectionPath)}: {e.Message}";
        var expected = match.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration such as 00:00:30 (hh:mm:ss) or 1.00:00:00 (one day)",
            "System.Double" => "a number",
            var other => "a " + other,
        };
        return $"{EnvironmentName(match.Groups["path"].Value)} must be {expected} (was '{match.Groups["value"].Value}')";
    }

    [GeneratedRegex("value '(?<value>.*)' at '(?<path>[^']*)' to type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex BindError();

    private static void Walk(object target, string prefix, List<string> errors, int depth)
    {
        if (depth > 5) return; // settings objects are shallow; this only guards against a cycle
        foreach (var property in target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || property.GetIndexParameters().Length > 0) continue;
            var value = property.GetValue(target);
            var name = prefix + "__" + property.Name;
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>(inherit: true))
            {
                if (!attribute.IsValid(value)) errors.Add(Describe(attribute, name, value));
            }
            switch (value)
            {
                case null or string:
                    break;
                case IDictionary map:
                    foreach (DictionaryEntry entry in map)
                    {
                        if (entry.Value is not null && IsSettingsObject(entry.Value.GetType())) Walk(entry.Value, $"{name}__{entry.Key}", errors, depth + 1);
                    }
                    break;
                case IList list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is { } item && IsSettingsObject(item.GetType())) Walk(item, $"{name}__{i}", errors, depth + 1);
                    }
                    break;
                default:
                    if (IsSettingsObject(value.GetType())) Walk(value, name, errors, depth + 1);
                    break;
            }
        }
    }

    private static bool IsSettingsObject(Type type) =>
        type.IsClass && type.Namespace?.StartsWith("FlowForge.", StringComparison.Ordinal) == true;

    private static string Describe(ValidationAttribute attribute, string name, object? value) => attribute switch
    {
        RangeAttribute range => $"{name} must be between {Format(range.Minimum)} and {Format(range.Maximum)} (was {Format(value)})",
        _ => $"{attribute.FormatErrorMessage(name).TrimEnd('.')} (was {Format(value)})",
    };

    private static string Format(object? value) => value switch
    {
        null => "empty",
        string s => $"'{s}'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>Validates one options class with <see cref="SettingsRegistration"/>'s rules and messages.</summary>
internal sealed class SettingsValidator<T>(string sectionPath) : IValidateOptions<T> where T : class
{
    /// <summary>The configuration section this validator checks, e.g. <c>Providers:WhatsApp</c>.</summary>
    public string SectionPath => sectionPath;

    public ValidateOptionsResult Validate(string? name, T options)
    {
        var errors = SettingsRegistration.Check(options, SettingsRegistration.EnvironmentName(sectionPath));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
