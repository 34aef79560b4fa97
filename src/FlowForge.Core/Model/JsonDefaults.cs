using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlowForge.Core.Model;

/// <summary>The one JSON shape the platform stores and serves: camelCase, nulls omitted on write.</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
