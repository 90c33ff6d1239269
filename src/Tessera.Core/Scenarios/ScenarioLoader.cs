using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;
using Tessera.Workloads.Zoo;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tessera.Scenarios;

/// <summary>Reads scenario YAML files and builds the models they name.</summary>
public static class ScenarioLoader
{
    /// <summary>Parses a scenario file; relative model and hardware paths are resolved against its folder.</summary>
    public static Scenario Load(string path)
    {
        if (!File.Exists(path))
            throw new TesseraInputException($"{path}: file not found");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new TesseraInputException($"{path}:{e.Start.Line}:{e.Start.Column}: malformed YAML: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new TesseraInputException($"{path}: expected a mapping with 'hardware' and 'models'");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string Where(YamlNode n) => $"{path}:{n.Start.Line}:{n.Start.Column}";

        var name = Scalar(root, "name", Where) ?? Path.GetFileNameWithoutExtension(path);
        var hardware = Scalar(root, "hardware", Where) ?? throw new TesseraInputException($"{Where(root)}: missing 'hardware' (a preset name or a file)");
        if (LooksLikePath(hardware)) hardware = Path.GetFullPath(Path.Combine(folder, hardware));
        int bits = PositiveInt(root, "bits", 8, Where);
        if (!root.Children.TryGetValue(new YamlScalarNode("models"), out var modelsNode) || modelsNode is not YamlSequenceNode list || list.Children.Count == 0)
            throw new TesseraInputException($"{Where(root)}: missing 'models'; expected a list of {{model: NAME, batch: N}}");

        var models = ImmutableArray.CreateBuilder<ModelRequest>();
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode m)
                throw new TesseraInputException($"{Where(item)}: expected a mapping such as {{model: resnet50, batch: 1}}");
            var source = Scalar(m, "model", Where) ?? throw new TesseraInputException($"{Where(m)}: missing 'model' (a zoo name or an .onnx path)");
            if (LooksLikePath(source)) source = Path.GetFullPath(Path.Combine(folder, source));
            var phaseText = Scalar(m, "phase", Where) ?? "prefill";
            if (!Enum.TryParse<TransformerPhase>(phaseText, ignoreCase: true, out var phase))
                throw new TesseraInputException($"{Where(m)}: phase '{phaseText}'; expected prefill or decode");
            models.Add(new ModelRequest(source, PositiveInt(m, "batch", 1, Where), phase,
                PositiveInt(m, "sequence", 128, Where), PositiveInt(m, "context", 1024, Where), Scalar(m, "label", Where)));
        }
        return new Scenario(name, hardware, models.ToImmutable(), bits);
    }

    /// <summary>Builds each model of the scenario at its batch, from the zoo or from ONNX.</summary>
    public static ImmutableArray<ModelInstance> BuildModels(Scenario scenario)
    {
        var labels = new HashSet<string>(StringComparer.Ordinal);
        return [.. scenario.Models.Select(request =>
        {
            var graph = Build(request, scenario.Bits);
            var label = request.DisplayName;
            for (int n = 2; !labels.Add(label); n++) label = $"{request.DisplayName}#{n}";
            return new ModelInstance(label, graph, request.Batch);
        })];
    }

    /// <summary>One model by zoo name or .onnx path.</summary>
    public static ModelGraph Build(ModelRequest request, int bits) => request.IsOnnxPath
        ? OnnxImporter.Load(request.Source, new OnnxImportOptions(request.Batch, bits))
        : ModelZoo.Create(request.Source, new ModelOptions(request.Batch, bits, request.Phase, request.SequenceLength, request.ContextLength));

    private static bool LooksLikePath(string value) =>
        value.Contains('/') || value.Contains('\\') || value.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ||
        value.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private static string? Scalar(YamlMappingNode map, string key, Func<YamlNode, string> where)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node)) return null;
        return node is YamlScalarNode { Value: { } v } ? v : throw new TesseraInputException($"{where(node)}: '{key}' must be a single value");
    }

    private static int PositiveInt(YamlMappingNode map, string key, int fallback, Func<YamlNode, string> where)
    {
        var text = Scalar(map, key, where);
        if (text is null) return fallback;
        if (!int.TryParse(text, out var value) || value <= 0)
            throw new TesseraInputException($"{where(map.Children[new YamlScalarNode(key)])}: '{key}' is '{text}'; expected a positive integer");
        return value;
    }
}
