using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Scheduling;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;
using Tessera.Workloads.Zoo;
using Tessera.Yaml;

namespace Tessera.Scenarios;

/// <summary>Reads scenario YAML files and builds the models they name.</summary>
public static class ScenarioLoader
{
    /// <summary>Parses a scenario file; relative model and hardware paths are resolved against its folder.</summary>
    public static Scenario Load(string path)
    {
        var (r, root) = YamlReader.Load(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var name = r.OptionalText(root, "name") ?? Path.GetFileNameWithoutExtension(path);
        var hardware = r.Text(r.Need(root, "hardware", "a scenario (a preset name or a hardware file)"), "hardware");
        if (LooksLikePath(hardware)) hardware = Path.GetFullPath(Path.Combine(folder, hardware));
        int bits = YamlReader.Find(root, "bits") is { } b ? r.PositiveInt(b, "bits") : 8;
        var list = r.Sequence(r.Need(root, "models", "a scenario (a list of {model: NAME, batch: N})"), "models");
        if (list.Children.Count == 0)
            throw r.Error(list, "models is empty; expected at least one {model: NAME}");

        var models = ImmutableArray.CreateBuilder<ModelRequest>();
        foreach (var item in list.Children)
        {
            var m = r.Mapping(item, "a model entry such as {model: resnet50, batch: 1}");
            var source = r.Text(r.Need(m, "model", "a model entry (a zoo name or an .onnx path)"), "model");
            if (LooksLikePath(source)) source = Path.GetFullPath(Path.Combine(folder, source));
            var phase = TransformerPhase.Prefill;
            if (YamlReader.Find(m, "phase") is { } p && !Enum.TryParse(r.Text(p, "phase"), ignoreCase: true, out phase))
                throw r.Error(p, $"phase '{r.Text(p, "phase")}'; expected prefill or decode");
            int Positive(string key, int fallback) => YamlReader.Find(m, key) is { } n ? r.PositiveInt(n, key) : fallback;
            models.Add(new ModelRequest(source, Positive("batch", 1), phase, Positive("sequence", 128), Positive("context", 1024),
                r.OptionalText(m, "label")));
        }
        var partition = PartitionMode.LayerByLayer;
        if (YamlReader.Find(root, "partition") is { } pn)
        {
            try { partition = Partitioners.ParseMode(r.Text(pn, "partition")); }
            catch (TesseraInputException e) { throw r.Error(pn, e.Message); }
        }
        return new Scenario(name, hardware, models.ToImmutable(), bits)
        {
            Partition = partition,
            MiniBatches = YamlReader.Find(root, "minibatch") is { } mb ? r.PositiveInt(mb, "minibatch") : 1,
            TensorParallelWays = YamlReader.Find(root, "tp") is { } tp ? r.PositiveInt(tp, "tp") : 2,
            Tiling = r.OptionalText(root, "tile"),
            Mapping = r.OptionalText(root, "mapping") is { } mapping ? Path.GetFullPath(Path.Combine(folder, mapping)) : null,
        };
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

    /// <summary>One model by zoo name, .onnx path or ZigZag workload file (its own precisions; <paramref name="bits"/> does not apply).</summary>
    public static ModelGraph Build(ModelRequest request, int bits) => request.IsOnnxPath
        ? OnnxImporter.Load(request.Source, new OnnxImportOptions(request.Batch, bits))
        : Interop.ZigZagWorkloadImporter.Handles(request.Source) ? Interop.ZigZagWorkloadImporter.Load(request.Source, request.Batch)
        : ModelZoo.Create(request.Source, new ModelOptions(request.Batch, bits, request.Phase, request.SequenceLength, request.ContextLength));

    private static bool LooksLikePath(string value) =>
        value.Contains('/') || value.Contains('\\') || value.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ||
        value.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
}
