using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Hardware.Maestro;
using Tessera.Hardware.Presets;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Hardware.Yaml;

/// <summary>
/// Tessera's own package format. Example:
/// <code>
/// name: demo
/// node: 7nm
/// chiplets:
///   compute:
///     cores:
///       - name: ws
///         array: {D1: 32, D2: 32}
///         dataflow: weight-stationary        # or unrolling: {D1: [K, 32], D2: [[C, 16], [FY, 2]]}
///         fixed_dataflow: kcp_ws             # optional: a fixed-function core (MAESTRO name, or {maestro: NAME|FILE.m, cluster: n})
///         fixed_mapping:                     # optional: pinned temporal loops, innermost level first (else the fixed dataflow's)
///           - {level: rf, loops: [[FY, all], [FX, all]]}
///           - {level: gb, loops: [[K, search], [C, search], [OY, 4]]}
///           - {level: offchip, loops: [K, C, OY]}
///         frequency: 1 GHz
///         precision: int8
///         imc: {type: analog, rows: 128, columns: 128, input_bits: 8, weight_bits: 8, bit_serial: 2, adc_bits: 8}   # optional: an IMC macro array
///         memories:                          # innermost first
///           - {name: rf, size: 64 B, bandwidth: 16, holds: [weight], served_axes: []}
///           - {name: gb, size: 1 MiB, bandwidth: 1024, holds: [input, weight, output]}
///   big: {preset: nvdla-like, area_mm2: 42}      # a preset core; also fixed_dataflow: kcp_ws; area_mm2: a known die's area, priced instead of the estimate
/// grid: {width: 3, height: 3, chiplet: compute}    # or layout: [[a, b], [b, a]], or instances: [{id, chiplet, x, y}]
/// memories:
///   - {id: dram, type: LPDDR5, attach: sides}       # sides | left | right | all | [chiplet ids]; or count: n
/// topology:
///   kind: mesh                                     # mesh | torus | ring | triangular | all-to-all | explicit
///   link: ucie-advanced                            # or {type: ..., bandwidth: 100 GB/s, energy_pj_per_bit: 2, latency: 35 ns}
///   pairs: [[c0_0, c1_0]]                          # for explicit
/// </code>
/// </summary>
public static partial class TesseraHardwareYaml
{
    /// <summary>Loads a package file, or a system file (<c>children:</c>; see <see cref="LoadSystem"/>) flattened into one package.</summary>
    public static Package Load(string path, TechnologyLibrary technology)
    {
        var (r, root) = YamlReader.Load(path);
        return IsSystem(root) ? LoadSystem(path, technology).Flatten()
            : new Parser(r, technology, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".").Package(root, Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>Reads one file; <paramref name="folder"/> resolves the paths it names.</summary>
    private sealed partial class Parser(YamlReader r, TechnologyLibrary tech, string folder)
    {
        public Package Package(YamlMappingNode root, string defaultName)
        {
            r.KnownKeys(root, "a package", "name", "node", "chiplets", "grid", "instances", "topology", "memories");
            var name = r.OptionalText(root, "name") ?? defaultName;
            var node = NodeOf(root, tech.NodeFrom("defaults.node"));
            var designs = new Dictionary<string, (Chiplet Design, YamlNode At)>(StringComparer.Ordinal);
            foreach (var (k, v) in r.Mapping(r.Need(root, "chiplets", "a package"), "chiplets").Children)
            {
                var designName = r.Text(k, "chiplet name");
                designs[designName] = (Chiplet(designName, r.Mapping(v, $"chiplet '{designName}'"), node), k);
            }
            var instances = Instances(root, designs);
            var width = instances.Max(i => i.X) + 1;
            var height = instances.Max(i => i.Y) + 1;
            var ids = new HashSet<string>(instances.Select(i => i.Id), StringComparer.Ordinal);

            var links = new List<Link>();
            var topology = Find(root, "topology") is { } topoNode ? r.Mapping(topoNode, "topology") : null;
            if (topology is not null)
                links.AddRange(TopologyLinks(topology, [.. instances.Select(i => (i.Id, i.X, i.Y))], $"package {name}", ("chiplet", "chiplets"), PackageTopologies, seq => ExplicitPairs(seq, ids)));

            var memories = new List<MemoryDevice>();
            if (Find(root, "memories") is { } memNode)
                foreach (var item in r.Sequence(memNode, "memories"))
                    AddMemory(r.Mapping(item, "memory device"), instances, width, ids, memories, links);
            return new Package(name, instances, memories, links, r.File);
        }

        private static YamlNode? Find(YamlMappingNode map, string key) => YamlReader.Find(map, key);

        private string NodeOf(YamlMappingNode map, string fallback)
        {
            return Find(map, "node") is { } n ? r.Parsed(n, "node", tech.Node) : fallback;
        }

        private static readonly string[] ChipletKeys = ["preset", "cores", "node", "area_mm2", "fixed_dataflow", "fixed_mapping"];

        private Chiplet Chiplet(string name, YamlMappingNode map, string packageNode)
        {
            r.KnownKeys(map, $"chiplet '{name}'", ChipletKeys);
            var node = NodeOf(map, packageNode);
            var area = Find(map, "area_mm2") is { } a ? r.Positive(a, "area_mm2") : 0;
            if (Find(map, "preset") is { } preset)
            {
                var core = Wrap(preset, () => HardwarePresets.CreateCore(r.Text(preset, "preset"), tech));
                return new Chiplet(name, [Fixed(map, core, keepUnrolling: true)], node, area);
            }
            var cores = r.Sequence(r.Need(map, "cores", $"chiplet '{name}'"), "cores")
                .Select((c, i) => Core(r.Mapping(c, "core"), $"{name}-core{i}", node)).ToImmutableArray();
            if (cores.IsEmpty) throw r.Error(map, $"chiplet '{name}' has no cores; expected at least one");
            return new Chiplet(name, cores, node, area);
        }

        private T Wrap<T>(YamlNode at, Func<T> build)
        {
            try { return build(); }
            catch (TesseraInputException e) when (!e.Message.StartsWith(r.File + ":", StringComparison.Ordinal)) { throw r.Error(at, e.Message); }
        }

        private Core Core(YamlMappingNode map, string defaultName, string chipletNode)
        {
            r.KnownKeys(map, "a core", Find(map, "preset") is not null ? ["preset", "fixed_dataflow", "fixed_mapping"]
                : ["name", "node", "array", "precision", "mac_energy_pj", "dataflow", "unrolling", "frequency", "memories", "fixed_dataflow", "fixed_mapping", "imc"]);
            if (Find(map, "preset") is { } preset)
                return Fixed(map, Wrap(preset, () => HardwarePresets.CreateCore(r.Text(preset, "preset"), tech)), keepUnrolling: true);
            var name = r.OptionalText(map, "name") ?? defaultName;
            var node = NodeOf(map, chipletNode);
            var arrayNode = r.Mapping(r.Need(map, "array", $"core '{name}'"), "array");
            var axes = arrayNode.Children.Select(kv => new ArrayAxis(r.Text(kv.Key, "axis"), r.PositiveInt(kv.Value, $"array axis {r.Text(kv.Key, "axis")}")))
                .ToImmutableArray();
            if (axes.IsEmpty) throw r.Error(arrayNode, $"core '{name}' has an empty array; expected axes such as D1: 32");
            var precisionNode = Find(map, "precision");
            var precision = precisionNode is null ? tech.PrecisionOf((int)tech.Value("stream_import.default_mac_bits")) : r.Text(precisionNode, "precision");
            var array = Wrap<PeArray>(precisionNode ?? map, () => HardwareDefaults.Array(tech, node, axes, precision,
                Find(map, "mac_energy_pj") is { } e ? r.Positive(e, "mac_energy_pj") : null));
            var imc = Find(map, "imc") is { } imcNode ? Imc(imcNode, name, array) : null;
            if (imc is not null) array = array with { Imc = imc };
            bool ownUnrolling = Find(map, "dataflow") is not null || Find(map, "unrolling") is not null || Find(map, "fixed_dataflow") is null;
            var dataflow = !ownUnrolling ? new SpatialUnrolling("fixed", [])
                : imc is not null && Find(map, "dataflow") is null && Find(map, "unrolling") is null ? imc.DefaultUnrolling(array)
                : Dataflow(map, name, axes);
            // An IMC core runs, unless told otherwise, at the clock its macro's critical path allows.
            var frequency = Find(map, "frequency") is null && imc is not null ? 1e9 / imc.ClockPeriodNs
                : r.Quantity(r.Need(map, "frequency", $"core '{name}'"), "frequency", YamlReader.FrequencyUnits, "Hz");
            var levelsNode = r.Sequence(r.Need(map, "memories", $"core '{name}'"), "memories");
            var levels = levelsNode.Select(l => Level(r.Mapping(l, "memory level"), node, axes)).ToImmutableArray();
            if (imc is not null) levels = WithCells(imc, array, levels, levelsNode);
            foreach (var role in Enum.GetValues<OperandRole>())
                if (!levels.Any(l => l.Holds.Contains(role)))
                    throw r.Error(levelsNode, $"core '{name}': no memory level holds the {role.ToString().ToLowerInvariant()} operand; expected at least one level holding input, weight and output");
            return Fixed(map, new Core(name, array, dataflow, frequency, levels), ownUnrolling);
        }

        private static readonly string[] FixedDataflowKeys = ["maestro", "cluster"];
        private static readonly string[] PinnedLevelKeys = ["level", "loops"];

        /// <summary>The core with its fixed_dataflow and fixed_mapping, if the entry gives them.</summary>
        private Core Fixed(YamlMappingNode map, Core core, bool keepUnrolling)
        {
            var dataflowNode = Find(map, "fixed_dataflow");
            var mappingNode = Find(map, "fixed_mapping");
            if (dataflowNode is null && mappingNode is null) return core;
            var directives = dataflowNode is null ? null : MaestroDataflowOf(dataflowNode);
            var pinned = mappingNode is null ? null : Pinned(mappingNode, core);
            var fixedCore = FixedDataflows.Fix(core, directives, pinned, keepUnrolling ? core.Dataflow : null);
            if (fixedCore.Dataflow.Axes.IsEmpty)
                throw r.Error(dataflowNode ?? map, $"core '{core.Name}': the fixed dataflow's cluster levels do not match the array's {core.Array.Axes.Length} axes; give 'dataflow' or 'unrolling' too");
            return fixedCore;
        }

        private MaestroDataflow MaestroDataflowOf(YamlNode node)
        {
            string text;
            int? cluster = null;
            if (node is YamlMappingNode m)
            {
                foreach (var key in m.Children.Keys)
                    if (!FixedDataflowKeys.Contains(r.Text(key, "key")))
                        throw r.Error(key, $"fixed_dataflow has no key '{r.Text(key, "key")}'{Suggestions.DidYouMean(r.Text(key, "key"), FixedDataflowKeys)}; expected maestro and optionally cluster");
                text = r.Text(r.Need(m, "maestro", "fixed_dataflow"), "maestro");
                cluster = Find(m, "cluster") is { } c ? r.PositiveInt(c, "cluster") : null;
            }
            else text = r.Text(node, "fixed_dataflow");
            if (text.EndsWith(".m", StringComparison.OrdinalIgnoreCase))
            {
                var path = Path.IsPathRooted(text) ? text : Path.Combine(folder, text);
                return Wrap(node, () => MaestroMappingFile.Load(path).AsDataflow());
            }
            return Wrap(node, () => MaestroDataflows.Create(text, tech, cluster));
        }

        private PinnedMapping Pinned(YamlNode node, Core core)
        {
            var names = core.Memories.Select(m => m.Name).Append(PinnedLevel.OffChip).ToList();
            var levels = ImmutableArray.CreateBuilder<PinnedLevel>();
            foreach (var item in r.Sequence(node, "fixed_mapping"))
            {
                var m = r.Mapping(item, "a fixed_mapping level");
                foreach (var key in m.Children.Keys)
                    if (!PinnedLevelKeys.Contains(r.Text(key, "key")))
                        throw r.Error(key, $"a fixed_mapping level has no key '{r.Text(key, "key")}'{Suggestions.DidYouMean(r.Text(key, "key"), PinnedLevelKeys)}; expected level and loops");
                var levelNode = r.Need(m, "level", "a fixed_mapping level");
                var level = r.Text(levelNode, "level");
                int index = names.IndexOf(level);
                if (index < 0)
                    throw r.Error(levelNode, $"core '{core.Name}' has no memory level '{level}'{Suggestions.DidYouMean(level, names)}; expected one of {string.Join(", ", names)}");
                if (levels.Count > 0 && index <= names.IndexOf(levels[^1].Level))
                    throw r.Error(levelNode, $"level '{level}' comes after a level above it; expected fixed_mapping innermost level first");
                var loops = r.Sequence(r.Need(m, "loops", $"fixed_mapping level '{level}'"), "loops").Select(PinnedLoopOf).ToImmutableArray();
                levels.Add(new PinnedLevel(level, loops));
            }
            return new PinnedMapping(levels.ToImmutable());
        }

        /// <summary>DIM (all of it), [DIM, all], [DIM, search] or [DIM, n].</summary>
        private PinnedLoop PinnedLoopOf(YamlNode node)
        {
            if (node is YamlScalarNode) return new PinnedLoop(Dimension(node), PinnedFactor.All);
            var pair = r.Sequence(node, "a pinned loop");
            if (pair.Children.Count != 2) throw r.Error(node, "a pinned loop is DIM or [DIM, all|search|factor], e.g. [OY, 4]");
            var dim = Dimension(pair.Children[0]);
            var factor = pair.Children[1];
            return r.Text(factor, "factor") switch
            {
                "all" => new PinnedLoop(dim, PinnedFactor.All),
                "search" => new PinnedLoop(dim, PinnedFactor.Searched),
                _ => new PinnedLoop(dim, PinnedFactor.Exact, r.PositiveInt(factor, "pinned factor")),
            };
        }

        private string Dimension(YamlNode node)
        {
            var dim = r.Text(node, "loop dimension");
            return PinnedMapping.Dimensions.Contains(dim) ? dim
                : throw r.Error(node, $"loop dimension '{dim}'{Suggestions.DidYouMean(dim, PinnedMapping.Dimensions)}; expected one of {string.Join(", ", PinnedMapping.Dimensions)}");
        }

        private SpatialUnrolling Dataflow(YamlMappingNode map, string core, ImmutableArray<ArrayAxis> axes)
        {
            if (Find(map, "unrolling") is { } u)
            {
                var list = ImmutableArray.CreateBuilder<AxisUnrolling>();
                foreach (var (k, v) in r.Mapping(u, "unrolling").Children)
                {
                    var axisName = r.Text(k, "axis");
                    var axis = axes.FirstOrDefault(a => a.Name == axisName)
                        ?? throw r.Error(k, $"unrolling names axis '{axisName}'; expected one of {string.Join(", ", axes.Select(a => a.Name))}");
                    var seq = r.Sequence(v, $"unrolling of {axisName}");
                    var factors = seq.Children.Count > 0 && seq.Children[0] is YamlSequenceNode
                        ? seq.Children.Select(f => Factor(r.Sequence(f, "factor"))).ToImmutableArray()
                        : [Factor(seq)];
                    var product = factors.Aggregate(1L, (p, f) => p * f.Factor);
                    if (product > axis.Size)
                        throw r.Error(v, $"unrolling of {axisName} is {product}; expected at most the axis size {axis.Size}");
                    list.Add(new AxisUnrolling(axisName, factors));
                }
                return new SpatialUnrolling(r.OptionalText(map, "dataflow") ?? "explicit", list.ToImmutable());
            }
            var d = r.Need(map, "dataflow", $"core '{core}'");
            return Wrap(d, () => Dataflows.Create(r.Text(d, "dataflow"), axes, tech));
        }

        private (string Dimension, int Factor) Factor(YamlSequenceNode pair) =>
            pair.Children.Count == 2
                ? (r.Text(pair.Children[0], "loop dimension"), r.PositiveInt(pair.Children[1], "unrolling factor"))
                : throw r.Error(pair, "an unrolling factor must be [dimension, factor], e.g. [K, 32]");

        private MemoryLevel Level(YamlMappingNode map, string node, ImmutableArray<ArrayAxis> axes)
        {
            r.KnownKeys(map, "a memory level", "name", "size", "bandwidth", "read_bandwidth", "write_bandwidth", "holds", "served_axes",
                "read_energy_pj_per_bit", "write_energy_pj_per_bit");
            var name = r.Text(r.Need(map, "name", "a memory level"), "name");
            var bytes = (long)Math.Ceiling(r.Quantity(r.Need(map, "size", $"memory level '{name}'"), "size", YamlReader.SizeUnits, "B"));
            var shared = Find(map, "bandwidth");
            double Bw(string key) => Find(map, key) is { } n ? r.Positive(n, key)
                : shared is not null ? r.Positive(shared, "bandwidth")
                : throw r.Error(map, $"memory level '{name}' lacks 'bandwidth' (bits/cycle)");
            var holdsNode = r.Sequence(r.Need(map, "holds", $"memory level '{name}'"), "holds");
            var holds = holdsNode.Select(h => r.Text(h, "operand").ToLowerInvariant() switch
            {
                "input" or "i1" or "i" => OperandRole.Input,
                "weight" or "i2" or "w" => OperandRole.Weight,
                "output" or "o" => OperandRole.Output,
                var other => throw r.Error(h, $"memory level '{name}' holds '{other}'; expected one of input, weight, output"),
            }).Distinct().ToImmutableArray();
            if (holds.IsEmpty)
                throw r.Error(map, $"memory level '{name}' holds no operand; expected one of input, weight, output");
            ImmutableArray<string> served = Find(map, "served_axes") is { } s
                ? [.. r.Sequence(s, "served_axes").Select(a => r.Text(a, "axis"))]
                : [.. axes.Select(a => a.Name)];
            foreach (var a in served)
                if (!axes.Any(x => x.Name == a))
                    throw r.Error(map, $"memory level '{name}' serves axis '{a}'; expected one of {string.Join(", ", axes.Select(x => x.Name))}");
            return HardwareDefaults.Memory(tech, node, name, bytes, Bw("read_bandwidth"), Bw("write_bandwidth"), holds, served,
                Find(map, "read_energy_pj_per_bit") is { } re ? r.Positive(re, "read_energy_pj_per_bit") : null,
                Find(map, "write_energy_pj_per_bit") is { } we ? r.Positive(we, "write_energy_pj_per_bit") : null);
        }

        private List<ChipletInstance> Instances(YamlMappingNode root, Dictionary<string, (Chiplet Design, YamlNode At)> designs)
        {
            Chiplet Design(YamlNode at)
            {
                var n = r.Text(at, "chiplet");
                return designs.TryGetValue(n, out var d) ? d.Design
                    : throw r.Error(at, $"unknown chiplet '{n}'; expected one of {string.Join(", ", designs.Keys)}");
            }
            var result = new List<ChipletInstance>();
            if (Find(root, "instances") is { } inst)
            {
                var placed = new Dictionary<(int X, int Y), string>();
                foreach (var item in r.Sequence(inst, "instances"))
                {
                    var m = r.Mapping(item, "instance");
                    r.KnownKeys(m, "an instance", "id", "chiplet", "x", "y");
                    var instance = new ChipletInstance(r.Text(r.Need(m, "id", "an instance"), "id"), Design(r.Need(m, "chiplet", "an instance")),
                        Find(m, "x") is { } x ? r.Int(x, "x", 0, int.MaxValue) : result.Count, Find(m, "y") is { } y ? r.Int(y, "y", 0, int.MaxValue) : 0);
                    if (!placed.TryAdd((instance.X, instance.Y), instance.Id))
                        throw r.Error(item, $"instance '{instance.Id}' is at ({instance.X}, {instance.Y}), where '{placed[(instance.X, instance.Y)]}' already is; expected one chiplet per position");
                    result.Add(instance);
                }
            }
            else if (Find(root, "grid") is { } gridNode)
            {
                var grid = r.Mapping(gridNode, "grid");
                r.KnownKeys(grid, "grid", "layout", "width", "height", "chiplet");
                if (Find(grid, "layout") is { } layout)
                {
                    var rows = r.Sequence(layout, "layout");
                    for (var y = 0; y < rows.Children.Count; y++)
                    {
                        var row = r.Sequence(rows.Children[y], "layout row");
                        for (var x = 0; x < row.Children.Count; x++)
                            result.Add(new ChipletInstance(Topologies.GridId(x, y), Design(row.Children[x]), x, y));
                    }
                }
                else
                {
                    var w = r.PositiveInt(r.Need(grid, "width", "grid"), "grid width");
                    var h = r.PositiveInt(r.Need(grid, "height", "grid"), "grid height");
                    Limits.Check($"{r.File}:{grid.Start.Line}:{grid.Start.Column}", "the grid's chiplet count (width × height)", (double)w * h, Limits.Current.Chiplets, "chiplets");
                    var design = Design(r.Need(grid, "chiplet", "grid"));
                    for (var y = 0; y < h; y++)
                        for (var x = 0; x < w; x++)
                            result.Add(new ChipletInstance(Topologies.GridId(x, y), design, x, y));
                }
            }
            else if (designs.Count == 1)
                result.Add(new ChipletInstance(designs.Keys.First(), designs.Values.First().Design, 0, 0));
            else
                throw r.Error(root, "no chiplet instances; expected 'instances', 'grid' or a single chiplet design");
            if (result.Count == 0) throw r.Error(root, "no chiplet instances; expected at least one");
            Limits.Check($"{r.File}:{root.Start.Line}:{root.Start.Column}", "the chiplet count", result.Count, Limits.Current.Chiplets, "chiplets");
            return result;
        }

        private static readonly string[] PackageTopologies = ["mesh", "torus", "triangular", "ring", "all-to-all", "explicit"];

        /// <summary>
        /// The links of a topology among members at grid positions (a package's chiplets, a system's children): its kind
        /// among <paramref name="kinds"/>, one link spec, and for an explicit topology the pairs <paramref name="explicitPairs"/>
        /// reads. Grids need one member per position; <paramref name="subject"/> names the members' owner in messages.
        /// </summary>
        private ImmutableArray<Link> TopologyLinks(YamlMappingNode topo, IReadOnlyList<(string Id, int X, int Y)> members, string subject, (string One, string Many) member,
            string[] kinds, Func<YamlSequenceNode, IEnumerable<(string, string)>> explicitPairs)
        {
            r.KnownKeys(topo, $"the topology of {subject}", "kind", "link", "pairs");
            var kindNode = r.Need(topo, "kind", "topology");
            var kind = r.Text(kindNode, "kind").ToLowerInvariant();
            if (!kinds.Contains(kind))
                throw r.Error(kindNode, $"{subject}: unknown topology '{kind}'{Suggestions.DidYouMean(kind, kinds)}; expected one of {string.Join(", ", kinds)}");
            var (bandwidth, energy, latency) = LinkSpec(r.Need(topo, "link", "topology"));
            int width = members.Max(m => m.X) + 1, height = members.Max(m => m.Y) + 1;
            var at = new Dictionary<(int, int), string>();
            foreach (var m in members)
                if (!at.TryAdd((m.X, m.Y), m.Id) && kind is "mesh" or "torus" or "triangular")
                    throw r.Error(kindNode, $"{subject}: {member.Many} '{at[(m.X, m.Y)]}' and '{m.Id}' are both at ({m.X}, {m.Y}) of the {kind}; " +
                        $"expected one {member.One} per grid position");
            string Id(int x, int y) => at.TryGetValue((x, y), out var id) ? id
                : throw r.Error(kindNode, $"{subject}: topology {kind} needs a {member.One} at ({x}, {y}); expected a full {width}×{height} grid");
            var order = members.Select(m => m.Id).ToList();
            if (kind == "all-to-all")
                Limits.Check($"{r.File}:{kindNode.Start.Line}:{kindNode.Start.Column}", $"{subject}: the all-to-all link count",
                    order.Count * (order.Count - 1.0) / 2, Limits.Current.Links, "links");
            IEnumerable<(string A, string B)> pairs = kind switch
            {
                "mesh" => Topologies.Mesh(width, height, Id),
                "torus" => Topologies.Torus(width, height, Id),
                "triangular" => Topologies.Triangular(width, height, Id),
                "ring" => Topologies.Ring(order),
                "all-to-all" => Topologies.AllToAll(order),
                "switch" => order.Select(id => (id, SystemNode.SwitchId)),
                _ => explicitPairs(r.Sequence(r.Need(topo, "pairs", "an explicit topology"), "pairs")),
            };
            return Topologies.ToLinks(pairs, bandwidth, energy, latency);
        }

        private List<(string, string)> ExplicitPairs(YamlSequenceNode seq, HashSet<string> ids)
        {
            Limits.Check($"{r.File}:{seq.Start.Line}:{seq.Start.Column}", "the explicit link count", seq.Children.Count, Limits.Current.Links, "links");
            var pairs = new List<(string, string)>();
            foreach (var p in seq)
            {
                var pair = r.Sequence(p, "pair");
                if (pair.Children.Count != 2) throw r.Error(p, "a link pair must be [a, b]");
                foreach (var end in pair.Children)
                    if (!ids.Contains(r.Text(end, "endpoint")))
                        throw r.Error(end, $"link names chiplet '{r.Text(end, "endpoint")}', which does not exist; expected one of {string.Join(", ", ids)}");
                pairs.Add((r.Text(pair.Children[0], "endpoint"), r.Text(pair.Children[1], "endpoint")));
            }
            return [.. Wrap(seq, () => Topologies.Explicit(pairs))];
        }

        private (double Bandwidth, double Energy, double Latency) LinkSpec(YamlNode node)
        {
            DieToDieSpec? spec = null;
            YamlMappingNode? map = node as YamlMappingNode;
            if (map is not null) r.KnownKeys(map, "a link", "type", "bandwidth", "energy_pj_per_bit", "latency");
            var typeNode = map is null ? node : Find(map, "type");
            if (typeNode is not null)
                spec = Wrap(typeNode, () => tech.LinkKind(r.Text(typeNode, "link type")));
            double Get(string key, IReadOnlyDictionary<string, double>? units, string unit, double? fallback) =>
                map is not null && Find(map, key) is { } v
                    ? units is null ? r.Positive(v, key) : r.Quantity(v, key, units, unit)
                    : fallback ?? throw r.Error(node, $"link lacks '{key}'; give it or a link type ({string.Join(", ", tech.LinkKinds)})");
            return (Get("bandwidth", YamlReader.BandwidthUnits, "B/s", spec?.BandwidthBytesPerSecond),
                Get("energy_pj_per_bit", null, "", spec?.EnergyPerBitPj),
                map is not null && Find(map, "latency") is { } l ? r.Quantity(l, "latency", YamlReader.TimeUnits, "s") : spec?.LatencySeconds ?? 0);
        }

        private void AddMemory(YamlMappingNode map, List<ChipletInstance> instances, int width, HashSet<string> ids,
            List<MemoryDevice> memories, List<Link> links)
        {
            r.KnownKeys(map, "a memory device", "id", "type", "attach", "count");
            var id = r.Text(r.Need(map, "id", "a memory device"), "id");
            var typeNode = r.Need(map, "type", $"memory '{id}'");
            var spec = Wrap(typeNode, () => tech.Dram(r.Text(typeNode, "type")));
            List<string> targets;
            if (Find(map, "attach") is YamlSequenceNode list)
            {
                targets = [];
                foreach (var t in list)
                {
                    var tid = r.Text(t, "attach");
                    if (!ids.Contains(tid))
                        throw r.Error(t, $"memory '{id}' attaches to chiplet '{tid}', which does not exist; expected one of {string.Join(", ", ids)}");
                    targets.Add(tid);
                }
            }
            else if (Find(map, "attach") is { } keyword)
            {
                var k = r.Text(keyword, "attach");
                targets = k switch
                {
                    "left" => [.. instances.Where(i => i.X == 0).Select(i => i.Id)],
                    "right" => [.. instances.Where(i => i.X == width - 1).Select(i => i.Id)],
                    "sides" => [.. instances.Where(i => i.X == 0 || i.X == width - 1).Select(i => i.Id)],
                    "all" => [.. instances.Select(i => i.Id)],
                    _ when ids.Contains(k) => [k],
                    _ => throw r.Error(keyword, $"memory '{id}' attaches to '{k}'; expected left, right, sides, all, a chiplet id or a list of ids"),
                };
            }
            else
            {
                var count = Find(map, "count") is { } c ? r.PositiveInt(c, "count") : 1;
                Limits.Check($"{r.File}:{map.Start.Line}:{map.Start.Column}", "the memory device count", count, Limits.Current.MemoryDevices, "memory-devices");
                targets = [.. Enumerable.Repeat(instances[0].Id, count)];
            }
            Limits.Check($"{r.File}:{map.Start.Line}:{map.Start.Column}", "the package's memory device count", memories.Count + targets.Count,
                Limits.Current.MemoryDevices, "memory-devices");
            for (var i = 0; i < targets.Count; i++)
            {
                var device = new MemoryDevice(targets.Count == 1 ? id : $"{id}{i}", spec.Type, spec.BandwidthBytesPerSecond,
                    spec.EnergyPerBitPj, spec.LatencySeconds, spec.CapacityBytes);
                memories.Add(device);
                links.Add(HardwareDefaults.MemoryLink(device, targets[i]));
            }
        }
    }
}
