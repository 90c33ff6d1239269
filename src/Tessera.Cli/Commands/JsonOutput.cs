using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Tessera.Reports;

namespace Tessera.Cli.Commands;

/// <summary>One JSON style for every command's --json output.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Options));

    /// <summary>
    /// A result document: its fields after a top-level <c>manifest</c> (version, commit, command line, every input with
    /// its SHA-256 — each argument that names a file (outputs aside), and the files it refers to — cost model, seed, date, machine).
    /// </summary>
    public static void WriteResult(CliContext context, object value, IEnumerable<string>? inputs = null, string? costModel = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        WriteResult(context.Out, value, ManifestOf(context, inputs, costModel, seed));
    }

    /// <summary>The manifest of this command's result.</summary>
    public static Manifest ManifestOf(CliContext context, IEnumerable<string>? inputs = null, string? costModel = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Manifest.Create(["tessera", .. context.Args], OutputFile.WithoutOutputs(context.Args).Concat(inputs ?? []), costModel, seed);
    }

    /// <summary>A result document with the given manifest, written to <paramref name="writer"/> (a file, or stdout).</summary>
    public static void WriteResult(TextWriter writer, object value, Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var document = new JsonObject { ["manifest"] = ToNode(manifest) };
        foreach (var (key, node) in ToObject(value).ToList())
            document[key] = node?.DeepClone();
        writer.WriteLine(document.ToJsonString(Options));
    }

    /// <summary>A value as a JSON object (by its runtime type), to add fields to.</summary>
    public static JsonObject ToObject(object value) => ToNode(value).AsObject();

    /// <summary>A value as a JSON node, serialised by its runtime type.</summary>
    public static JsonNode ToNode(object value) =>
        JsonSerializer.SerializeToNode(value, value.GetType(), Options) ?? throw new InvalidOperationException("null JSON");

}
