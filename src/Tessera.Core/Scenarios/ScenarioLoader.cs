using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;
using Tessera.Workloads.Zoo;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Scenarios;

/// <summary>Reads scenario YAML files and builds the models they name.</summary>
public static class ScenarioLoader
{
    private static readonly string[] RootKeys = ["name", "hardware", "bits", "models", "partition", "minibatch", "tp", "pp", "dp", "tile", "mapping", "schedule"];
    private static readonly string[] ModelKeys = ["model", "batch", "phase", "sequence", "context", "label", "minibatch_size"];

    /// <summary>The keys of <c>schedule:</c> besides the scheduler's own options.</summary>
    public static readonly string[] ScheduleKeys = ["scheduler", "objective", "cost_model", "contention"];

    /// <summary>Parses a scenario file; relative model and hardware paths are resolved against its folder.</summary>
    public static Scenario Load(string path)
    {
        var (r, root) = YamlReader.Load(path);
        r.KnownKeys(root, "a scenario", RootKeys);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var name = r.OptionalText(root, "name") ?? Path.GetFileNameWithoutExtension(path);
        var hardware = r.Text(r.Need(root, "hardware", "a scenario (a preset name or a hardware file)"), "hardware");
        if (LooksLikePath(hardware)) hardware = Path.GetFullPath(Path.Combine(folder, hardware));
        int bits = YamlReader.Find(root, "bits") is { } b ? r.Bits(b, "bits") : 8;
        var list = r.Sequence(r.Need(root, "models", "a scenario (a list of {model: NAME, batch: N})"), "models");
        if (list.Children.Count == 0)
            throw r.Error(list, "models is empty; expected at least one {model: NAME}");

        string At(YamlNode node) => $"{r.File}:{node.Start.Line}:{node.Start.Column}";
        var models = ImmutableArray.CreateBuilder<ModelRequest>();
        string? sizeAt = null;
        foreach (var item in list.Children)
        {
            var request = Model(r, item, folder);
            if (request.MiniBatchSize is not null) sizeAt ??= At(YamlReader.Find((YamlMappingNode)item, "minibatch_size")!);
            models.Add(request);
        }
        var scenario = new Scenario(name, hardware, models.ToImmutable(), bits) { Source = Path.GetFullPath(path) };
        if (sizeAt is not null) scenario = scenario.From("minibatch_size", sizeAt);
        if (YamlReader.Find(root, "partition") is { } pn)
        {
            scenario = scenario with { Partition = r.Parsed(pn, "partition", Partitioners.ParseMode) };
            scenario = scenario.From("partition", At(pn));
        }
        if (YamlReader.Find(root, "minibatch") is { } mb) scenario = (scenario with { MiniBatches = r.PositiveInt(mb, "minibatch") }).From("minibatch", At(mb));
        if (YamlReader.Find(root, "tp") is { } tp) scenario = (scenario with { TensorParallelWays = r.PositiveInt(tp, "tp") }).From("tp", At(tp));
        if (YamlReader.Find(root, "pp") is { } pp) scenario = (scenario with { PipelineStages = r.PositiveInt(pp, "pp") }).From("pp", At(pp));
        if (YamlReader.Find(root, "dp") is { } dp) scenario = (scenario with { DataParallel = r.PositiveInt(dp, "dp") }).From("dp", At(dp));
        if (YamlReader.Find(root, "tile") is { } tile) scenario = (scenario with { Tiling = r.Text(tile, "tile") }).From("tile", At(tile));
        if (YamlReader.Find(root, "mapping") is { } mapping)
            scenario = (scenario with { Mapping = Path.GetFullPath(Path.Combine(folder, r.Text(mapping, "mapping"))) }).From("mapping", At(mapping));
        if (YamlReader.Find(root, "schedule") is { } schedule)
            scenario = Schedule(r, r.Mapping(schedule, "schedule"), scenario, At);
        return scenario;
    }

    /// <summary>One entry of <c>models:</c>; a relative model path is resolved against <paramref name="folder"/>.</summary>
    internal static ModelRequest Model(YamlReader r, YamlNode item, string folder)
    {
        var m = r.Mapping(item, "a model entry such as {model: resnet50, batch: 1}");
        r.KnownKeys(m, "a model entry", ModelKeys);
        var source = r.Text(r.Need(m, "model", "a model entry (a zoo name or an .onnx path)"), "model");
        if (LooksLikePath(source)) source = Path.GetFullPath(Path.Combine(folder, source));
        var phase = YamlReader.Find(m, "phase") is { } p ? Phase(r, p) : TransformerPhase.Prefill;
        int Positive(string key, int fallback) => YamlReader.Find(m, key) is { } n ? r.PositiveInt(n, key) : fallback;
        var request = new ModelRequest(source, Positive("batch", 1), phase, Positive("sequence", 128), Positive("context", 1024),
            r.OptionalText(m, "label"));
        if (YamlReader.Find(m, "minibatch_size") is not { } size) return request;
        int samples = r.PositiveInt(size, "minibatch_size");
        if (samples > request.Batch)
            throw r.Error(size, $"minibatch_size {samples} exceeds the model's batch {request.Batch}; expected 1 to {request.Batch} samples");
        return request with { MiniBatchSize = samples };
    }

    /// <summary>prefill or decode, by name only (a number is no phase).</summary>
    internal static TransformerPhase Phase(YamlReader r, YamlNode node)
    {
        var text = r.Text(node, "phase").Trim();
        return Enum.GetNames<TransformerPhase>().FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<TransformerPhase>(name)
            : throw r.Error(node, $"phase '{text}'; expected prefill or decode");
    }

    /// <summary>
    /// The <c>schedule:</c> section: scheduler, objective, cost model, contention and the scheduler's options
    /// (snake_case or kebab-case; a list or a mapping of MODEL: VALUE for repeatable ones).
    /// </summary>
    internal static Scenario Schedule(YamlReader r, YamlMappingNode map, Scenario scenario, Func<YamlNode, string> at)
    {
        var spec = scenario.Schedule;
        var options = spec.Options.ToBuilder();
        var known = Schedulers.AllOptions.Select(o => o.Name.Replace('-', '_')).ToArray();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = r.Text(keyNode, "key");
            switch (key)
            {
                case "scheduler":
                    Schedulers.Find(r.Text(value, key), at(value));
                    spec = spec with { Scheduler = r.Text(value, key).Trim().ToLowerInvariant() };
                    scenario = scenario.From("scheduler", at(value));
                    break;
                case "objective":
                    spec = spec with { Objective = r.Parsed(value, key, Objective.Parse) };
                    scenario = scenario.From("objective", at(value));
                    break;
                case "cost_model":
                    spec = spec with { CostModel = r.Parsed(value, key, name => Costs.CostModels.Create(name).Name) };
                    scenario = scenario.From("cost_model", at(value));
                    break;
                case "contention":
                    spec = spec with
                    {
                        Contention = r.Text(value, key).Trim().ToLowerInvariant() switch
                        {
                            "true" or "on" or "yes" => true,
                            "false" or "off" or "no" => false,
                            var other => throw r.Error(value, $"contention '{other}'; expected true or false"),
                        }
                    };
                    break;
                default:
                    var option = key.Replace('_', '-');
                    if (!known.Contains(key.Replace('-', '_')))
                        throw r.Error(keyNode, $"unknown key '{key}' in schedule{Suggestions.DidYouMean(key, [.. ScheduleKeys, .. known])}; " +
                            $"expected {string.Join(", ", ScheduleKeys)} or a scheduler option ({string.Join(", ", known)})");
                    options[option] = new SettingValue(Values(r, value, key), at(keyNode));
                    break;
            }
        }
        return scenario with { Schedule = spec with { Options = options.ToImmutable() } };
    }

    /// <summary>A scalar, a list of scalars, or a mapping read as KEY=VALUE entries.</summary>
    private static ImmutableArray<string> Values(YamlReader r, YamlNode node, string key) => node switch
    {
        YamlSequenceNode list => [.. list.Children.Select(c => r.Text(c, key))],
        YamlMappingNode map => [.. map.Children.Select(c => $"{r.Text(c.Key, key)}={r.Text(c.Value, key)}")],
        _ => [r.Text(node, key)],
    };

    /// <summary>Builds each model of the scenario at its batch, from the zoo or from ONNX.</summary>
    public static ImmutableArray<ModelInstance> BuildModels(Scenario scenario)
    {
        var labels = new HashSet<string>(StringComparer.Ordinal);
        return [.. scenario.Models.Select(request =>
        {
            var graph = Build(request, scenario.Bits);
            var label = request.DisplayName;
            for (int n = 2; !labels.Add(label); n++) label = $"{request.DisplayName}#{n}";
            return new ModelInstance(label, graph, request.Batch) { MiniBatchSize = request.MiniBatchSize };
        })];
    }

    /// <summary>One model by zoo name, .onnx path or ZigZag workload file (its own precisions; <paramref name="bits"/> does not apply).</summary>
    public static ModelGraph Build(ModelRequest request, int bits) => request.IsOnnxPath
        ? OnnxImporter.Load(request.Source, new OnnxImportOptions(request.Batch, bits))
        : Interop.ZigZagWorkloadImporter.Handles(request.Source) ? Interop.ZigZagWorkloadImporter.Load(request.Source, request.Batch)
        : ModelZoo.Create(request.Source, new ModelOptions(request.Batch, bits, request.Phase, request.SequenceLength, request.ContextLength));

    internal static bool LooksLikePath(string value) =>
        value.Contains('/') || value.Contains('\\') || value.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ||
        value.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
}
