using System.Collections.Immutable;
using System.Globalization;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Search;
using Tessera.Technology;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Sweeps;

/// <summary>
/// Reads sweep files: a base scenario, then <c>axes:</c> (their product) and <c>points:</c> (a list of points, varied
/// together as one axis), optionally <c>sample:</c> (a seeded random subset). Every value is read and checked where it is written, so a typo stops the
/// sweep before any point runs, naming file:line:column.
/// </summary>
public static class SweepLoader
{
    private static readonly string[] RootKeys = ["name", "base", "axes", "points", "sample"];
    private static readonly string[] SampleKeys = ["count", "seed"];
    private static readonly string[] ScenarioAxes = ["hardware", "bits", "partition", "minibatch", "tp", "pp", "dp", "tile", "mapping"];
    private static readonly string[] ModelAxes = ["model", "models", "batch", "phase", "sequence", "context", "minibatch_size"];
    private static readonly string[] HardwareAxes = ["array", "buffer", "link_bandwidth", "dram_bandwidth", "memory"];

    /// <summary>Every key an axis or a listed point may name: scenario fields, model fields, schedule keys, scheduler options, hardware overrides.</summary>
    public static ImmutableArray<string> AxisKeys { get; } =
    [
        .. ScenarioAxes, .. ModelAxes, .. ScenarioLoader.ScheduleKeys,
        .. Schedulers.AllOptions.Select(o => o.Name.Replace('-', '_')), .. HardwareAxes,
    ];

    public static SweepSpec Load(string path, TechnologyLibrary? technology = null)
    {
        var t = technology ?? TechnologyLibrary.LoadDefault();
        var (r, root) = YamlReader.Load(path);
        r.KnownKeys(root, "a sweep", RootKeys);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string At(YamlNode node) => $"{r.File}:{node.Start.Line}:{node.Start.Column}";
        var name = r.OptionalText(root, "name") ?? Path.GetFileNameWithoutExtension(path);
        var baseScenario = YamlReader.Find(root, "base") is { } b
            ? r.Parsed(b, "base", file => file.IndexOfAny(Path.GetInvalidPathChars()) >= 0
                ? throw new TesseraInputException("base holds a character no path may hold; expected a scenario file name")
                : ScenarioLoader.Load(Path.GetFullPath(Path.Combine(folder, file))))
            : Scenario.Default;
        var axesNode = YamlReader.Find(root, "axes");
        var pointsNode = YamlReader.Find(root, "points");

        // Each dimension is a list of value combinations: one per value of an axis, one per listed point (the points
        // vary together, as one axis, across the product of the axes).
        var dimensions = new List<ImmutableArray<ImmutableArray<(string Key, SweepValue Value)>>>();
        var keys = new List<string>();
        if (pointsNode is not null)
        {
            var list = r.Sequence(pointsNode, "points");
            if (list.Children.Count == 0) throw r.Error(list, "points is empty; expected at least one point");
            dimensions.Add([.. list.Children.Select(item =>
            {
                var map = r.Mapping(item, "a point such as {hardware: scar-2x2-het, batch: 4}");
                return map.Children.Select(e => (Key(r, e.Key), Value(r, Key(r, e.Key), e.Value, folder, t, At))).ToImmutableArray();
            })]);
            keys.AddRange(dimensions[0].SelectMany(p => p.Select(v => v.Key)).Distinct());
        }
        foreach (var (keyNode, valuesNode) in axesNode is null ? [] : r.Mapping(axesNode, "axes").Children.ToList())
        {
            var key = Key(r, keyNode);
            if (keys.Contains(key)) throw r.Error(keyNode, $"axis {key} is also set by the listed points or another axis; expected each key once");
            var values = r.Sequence(valuesNode, $"axis {key} (a list of values)");
            if (values.Children.Count == 0) throw r.Error(values, $"axis {key} has no values, so the product is empty; expected at least one value");
            var parsed = values.Children.Select(v => Value(r, key, v, folder, t, At)).ToImmutableArray();
            if (parsed.GroupBy(v => v.Text, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw TesseraInputException.At(twice.Last().Origin, $"axis {key} lists {twice.Key} twice; expected distinct values");
            dimensions.Add([.. parsed.Select(v => ImmutableArray.Create((key, v)))]);
            keys.Add(key);
        }
        double size = dimensions.Aggregate(1.0, (n, d) => n * d.Length);
        if (size > long.MaxValue / 2)
            throw r.Error(axesNode ?? root, $"the product of the axes has {size:G3} points; expected fewer (sample: draws a subset)");
        var sampleNode = YamlReader.Find(root, "sample");
        var combinations = Product(dimensions, sampleNode is null ? Budget(At(axesNode ?? pointsNode ?? root), (long)size) : 0, out var index);
        if (sampleNode is not null) combinations = Sample(r, sampleNode, (long)size, index, At);
        return new SweepSpec(name, Path.GetFullPath(path), [.. keys], SweepSpec.Resolve(baseScenario, combinations));
    }

    private static long Budget(string where, long points)
    {
        Limits.Check(where, "the sweep's point count (the product of its axes)", points, Limits.Current.SweepPoints, "sweep-points");
        return points;
    }

    private static string Key(YamlReader r, YamlNode node)
    {
        var key = r.Text(node, "key").Trim();
        var known = AxisKeys;
        if (known.Contains(key)) return key;
        if (known.Contains(key.Replace('-', '_'))) return key.Replace('-', '_');
        throw r.Error(node, $"unknown axis '{key}'{Suggestions.DidYouMean(key, known)}; expected a scenario field ({string.Join(", ", ScenarioAxes)}), " +
            $"a model field ({string.Join(", ", ModelAxes)}), a schedule key ({string.Join(", ", ScenarioLoader.ScheduleKeys)}), a scheduler option " +
            $"({string.Join(", ", Schedulers.AllOptions.Select(o => o.Name.Replace('-', '_')))}) or a hardware override ({string.Join(", ", HardwareAxes)})");
    }

    /// <summary>The combinations of the product, the last dimension fastest; <paramref name="index"/> decodes a position without building them all.</summary>
    private static List<ImmutableArray<(string, SweepValue)>> Product(List<ImmutableArray<ImmutableArray<(string Key, SweepValue Value)>>> dimensions,
        long materialise, out Func<long, ImmutableArray<(string, SweepValue)>> index)
    {
        index = position =>
        {
            var parts = new ImmutableArray<(string, SweepValue)>[dimensions.Count];
            for (int d = dimensions.Count - 1; d >= 0; d--)
            {
                parts[d] = dimensions[d][(int)(position % dimensions[d].Length)];
                position /= dimensions[d].Length;
            }
            return [.. parts.SelectMany(p => p)];
        };
        var decode = index;
        return materialise == 0 ? [] : [.. Enumerable.Range(0, (int)materialise).Select(i => decode(i))];
    }

    /// <summary>
    /// The sample's count of distinct positions drawn with its seed (all of them when there are fewer), in the sweep's
    /// order: the same file gives the same sample on every machine.
    /// </summary>
    private static List<ImmutableArray<(string, SweepValue)>> Sample(YamlReader r, YamlNode node, long total,
        Func<long, ImmutableArray<(string, SweepValue)>> at, Func<YamlNode, string> where)
    {
        var map = r.Mapping(node, "sample (count: N, seed: S)");
        r.KnownKeys(map, "sample", SampleKeys);
        var countNode = r.Need(map, "count", "sample");
        long count = Math.Min(total, Budget(where(countNode), r.PositiveInt(countNode, "count")));
        int seed = r.Int(r.Need(map, "seed", "sample (a seed, so the same file draws the same points)"), "seed", 0, int.MaxValue);
        var random = new Random(seed);
        var chosen = new SortedSet<long>();
        if (count * 2 > total && total <= Array.MaxLength)
        {
            // Most of the points: a shuffle's prefix, so drawing does not slow down as few positions are left.
            var all = Enumerable.Range(0, (int)total).Select(i => (long)i).ToArray();
            random.Shuffle(all);
            chosen.UnionWith(all.Take((int)count));
        }
        else
            while (chosen.Count < count) chosen.Add(random.NextInt64(total));
        return [.. chosen.Select(at)];
    }

    /// <summary>One value of an axis, read and checked now; what it does to a scenario applied later, per point.</summary>
    private static SweepValue Value(YamlReader r, string key, YamlNode node, string folder, TechnologyLibrary t, Func<YamlNode, string> at)
    {
        var where = at(node);
        string Path(string text) => ScenarioLoader.LooksLikePath(text) ? System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, text)) : text;
        SweepValue Of(string text, Func<Scenario, Scenario> apply, int order = 1) => new(text, where, apply, order);
        SweepValue Models(Func<ModelRequest, ModelRequest> change) =>
            Of(r.Text(node, key), s => s with { Models = [.. s.Models.Select(change)] });
        SweepValue Overrides(Func<PackageOverrides, PackageOverrides> change) =>
            Of(Text(node), s => s with { HardwareOverrides = change(s.HardwareOverrides) with { Origin = where } });
        switch (key)
        {
            case "hardware":
                var hardware = Path(r.Text(node, key));
                return Of(r.Text(node, key), s => s with { Hardware = hardware });
            case "bits":
                int bits = r.Bits(node, key);
                return Of(r.Text(node, key), s => s with { Bits = bits });
            case "partition":
                var mode = r.Parsed(node, key, Partitioners.ParseMode);
                return Of(r.Text(node, key), s => (s with { Partition = mode }).From(key, where));
            case "minibatch":
                int miniBatches = r.PositiveInt(node, key);
                return Of(r.Text(node, key), s => (s with { MiniBatches = miniBatches }).From(key, where));
            case "tp":
                int ways = r.PositiveInt(node, key);
                return Of(r.Text(node, key), s => (s with { TensorParallelWays = ways }).From(key, where));
            case "pp":
                int stages = r.PositiveInt(node, key);
                return Of(r.Text(node, key), s => (s with { PipelineStages = stages }).From(key, where));
            case "dp":
                int replicas = r.PositiveInt(node, key);
                return Of(r.Text(node, key), s => (s with { DataParallel = replicas }).From(key, where));
            case "tile":
                var tiling = r.Text(node, key);
                ScenarioRunner.ParseTiling(tiling, where);
                return Of(tiling, s => (s with { Tiling = tiling }).From(key, where));
            case "mapping":
                var mapping = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, r.Text(node, key)));
                return Of(r.Text(node, key), s => (s with { Mapping = mapping }).From(key, where));
            case "model":
                var model = new ModelRequest(Path(r.Text(node, key)));
                return Of(r.Text(node, key), s => s with { Models = [s.Models.Length == 1 ? s.Models[0] with { Source = model.Source, Label = null } : model] }, order: 0);
            case "models":
                var list = r.Sequence(node, "models (a list of {model: NAME, batch: N})");
                if (list.Children.Count == 0) throw r.Error(list, "models is empty; expected at least one {model: NAME}");
                ImmutableArray<ModelRequest> models = [.. list.Children.Select(m => ScenarioLoader.Model(r, m, folder))];
                bool sized = models.Any(m => m.MiniBatchSize is not null);
                return Of(string.Join('+', models.Select(m => m.DisplayName)), s =>
                {
                    var replaced = s with { Models = models };
                    return sized ? replaced.From("minibatch_size", where) : replaced;
                }, order: 0);
            case "batch":
                int batch = r.PositiveInt(node, key);
                return Models(m => m with { Batch = batch, MiniBatchSize = m.MiniBatchSize is { } size ? Math.Min(size, batch) : null });
            case "phase":
                var phase = ScenarioLoader.Phase(r, node);
                return Models(m => m with { Phase = phase });
            case "sequence":
                int sequence = r.PositiveInt(node, key);
                return Models(m => m with { SequenceLength = sequence });
            case "context":
                int context = r.PositiveInt(node, key);
                return Models(m => m with { ContextLength = context });
            case "minibatch_size":
                int samples = r.PositiveInt(node, key);
                return Of(r.Text(node, key), s => (s with { Models = [.. s.Models.Select(m => m with { MiniBatchSize = Math.Min(samples, m.Batch) })] })
                    .From(key, where));
            case "array":
                ImmutableArray<int> sizes = node is YamlSequenceNode axes
                    ? [.. axes.Children.Select(a => r.PositiveInt(a, "array axis"))]
                    : [.. r.Text(node, key).Split('x', StringSplitOptions.TrimEntries).Select(part =>
                        int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
                            : throw r.Error(node, $"array '{r.Text(node, key)}'; expected axis sizes such as 64x64 or [64, 64]"))];
                return Overrides(o => o with { Array = sizes });
            case "buffer":
                double size = r.Quantity(node, key, YamlReader.SizeUnits, "B");
                if (size < 1 || size * 8 > Limits.MaxMemoryBits)
                    throw r.Error(node, $"buffer {r.Text(node, key)}; expected 1 B to {Limits.MaxMemoryBits / 8} B");
                long bytes = (long)size;
                return Overrides(o => o with { BufferBytes = bytes });
            case "link_bandwidth":
                double link = r.Quantity(node, key, YamlReader.BandwidthUnits, "B/s");
                return Overrides(o => o with { LinkBandwidthBytesPerSecond = link });
            case "dram_bandwidth":
                double dram = r.Quantity(node, key, YamlReader.BandwidthUnits, "B/s");
                return Overrides(o => o with { DramBandwidthBytesPerSecond = dram });
            case "memory":
                var type = Studies.StudyFiles.MemoryType(r, node, t);
                return Overrides(o => o with { MemoryType = type });
            default:
                // scheduler, objective, cost_model, contention and the schedulers' options: read as in a scenario's schedule:.
                var entry = new YamlMappingNode { { new YamlScalarNode(key), node } };
                ScenarioLoader.Schedule(r, entry, Scenario.Default, at);
                return Of(Text(node), s => ScenarioLoader.Schedule(r, entry, s, at));
        }
    }

    private static string Text(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode list => string.Join('x', list.Children.Select(Text)),
        YamlMappingNode map => string.Join(',', map.Children.Select(c => $"{Text(c.Key)}={Text(c.Value)}")),
        _ => "",
    };
}
