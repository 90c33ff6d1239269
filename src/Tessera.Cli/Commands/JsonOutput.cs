using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tessera.Cli.Commands;

/// <summary>One JSON style for every command's --json output.</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Options));

    /// <summary>A value as a JSON object (by its runtime type), to add fields to.</summary>
    public static System.Text.Json.Nodes.JsonObject ToObject(object value) => ToNode(value).AsObject();

    /// <summary>A value as a JSON node, serialised by its runtime type.</summary>
    public static System.Text.Json.Nodes.JsonNode ToNode(object value) =>
        JsonSerializer.SerializeToNode(value, value.GetType(), Options) ?? throw new InvalidOperationException("null JSON");

    /// <summary>Serialises by the runtime type, so a derived result record writes its own rows.</summary>
    public static void WriteObject(TextWriter writer, object value) => writer.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Options));
}
