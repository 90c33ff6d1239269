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

    /// <summary>Serialises by the runtime type, so a derived result record writes its own rows.</summary>
    public static void WriteObject(TextWriter writer, object value) => writer.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Options));
}
