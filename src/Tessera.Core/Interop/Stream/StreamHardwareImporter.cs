using System.Collections.Immutable;
using System.Globalization;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Interop.Stream;

/// <summary>
/// Imports a Stream accelerator file (cores by id, offchip_core_id, core_connectivity) and its ZigZag core files.
/// </summary>
/// <remarks>
/// Mapping: every compute core becomes a chiplet instance with one core (id "core{n}"); the off-chip core and
/// any memory-only core (type *.memory or a zero-sized array) become memory devices. ZigZag's r_cost/w_cost are
/// energies per access of one port word, the port's bandwidth_max bits (ZigZag divides moved bits by the port
/// width to count accesses), so energy per bit = r_cost / read bandwidth_max and w_cost / write bandwidth_max.
/// Stream files carry no clock: bandwidths in bits/cycle become bytes/s at the library's default frequency.
/// Links keep their bits/cycle bandwidth; unit_energy_cost is taken as pJ per bit. A bus over n members becomes
/// links between every pair of members with the bus bandwidth (contention on the shared bus is the simulator's).
/// core_memory_sharing groups become <see cref="Package.SharedMemoryGroups"/> after checking that the members are
/// compute cores with identical outermost memories.
/// </remarks>
public static partial class StreamHardwareImporter
{
    public static Package Load(string path, TechnologyLibrary technology)
    {
        var (r, root) = YamlReader.Load(path);
        r.KnownKeys(root, "a Stream accelerator", "name", "cores", "offchip_core_id", "unit_energy_cost", "core_connectivity", "core_coordinates",
            "core_memory_sharing", "technology_node");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var frequency = technology.Si("stream_import.default_frequency");
        var node = YamlReader.Find(root, "technology_node") is { } tn
            ? Wrap(r, tn, () => technology.Node(r.Text(tn, "technology_node")))
            : technology.NodeFrom("defaults.node");
        var coresNode = r.Mapping(r.Need(root, "cores", "a Stream accelerator"), "cores");
        var offchipNode = r.Need(root, "offchip_core_id", "a Stream accelerator");
        var offchip = r.Text(offchipNode, "offchip_core_id");
        var coordinates = YamlReader.Find(root, "core_coordinates") is { } cc ? r.Mapping(cc, "core_coordinates") : null;

        var cache = new Dictionary<string, ParsedCore>(StringComparer.Ordinal);
        var chiplets = new List<ChipletInstance>();
        var memories = new List<MemoryDevice>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var parsedOf = new Dictionary<string, (ParsedCore Core, string File)>(StringComparer.Ordinal);
        var index = 0;
        foreach (var (k, v) in coresNode.Children)
        {
            var coreId = r.Text(k, "core id");
            var file = Resolve(r, v, dir);
            if (!cache.TryGetValue(file, out var parsed))
                cache[file] = parsed = ParseCore(file, technology, frequency, node);
            var id = InstanceId(coreId);
            ids[coreId] = id;
            parsedOf[coreId] = (parsed, file);
            if (coreId == offchip || parsed.Core is null)
                memories.Add(parsed.AsDevice(id, coreId == offchip ? "stream-offchip" : "stream-memory-core", frequency));
            else
            {
                var (x, y) = (index, 0);
                if (coordinates is not null && YamlReader.Find(coordinates, coreId) is { } xy)
                {
                    var pair = r.Sequence(xy, "core coordinates");
                    if (pair.Children.Count != 2) throw r.Error(xy, $"coordinates of core {coreId} must be [x, y]");
                    (x, y) = (r.Int(pair.Children[0], "x", 0, int.MaxValue), r.Int(pair.Children[1], "y", 0, int.MaxValue));
                    if (chiplets.FirstOrDefault(c => c.X == x && c.Y == y) is { } other)
                        throw r.Error(xy, $"core {coreId} is at ({x}, {y}), where {other.Id} already is; expected one core per position");
                }
                chiplets.Add(new ChipletInstance(id, new Chiplet(parsed.Core.Name, [parsed.Core], node), x, y));
            }
            index++;
        }
        if (!ids.ContainsKey(offchip))
            throw r.Error(offchipNode, $"offchip_core_id {offchip} is no core of this accelerator; expected one of {string.Join(", ", ids.Keys)}");

        var defaultEnergy = YamlReader.Find(root, "unit_energy_cost") is { } ue ? r.NonNegative(ue, "unit_energy_cost") : 0;
        var links = new List<Link>();
        foreach (var item in r.Sequence(r.Need(root, "core_connectivity", "a Stream accelerator"), "core_connectivity"))
        {
            var m = r.Mapping(item, "connection");
            r.KnownKeys(m, "a connection", "type", "cores", "bandwidth", "unit_energy_cost");
            var type = r.OptionalText(m, "type") ?? "link";
            var members = r.Sequence(r.Need(m, "cores", "a connection"), "cores").Select(c =>
            {
                var cid = r.Text(c, "core id");
                return ids.TryGetValue(cid, out var id) ? id
                    : throw r.Error(c, $"connection names core {cid}, which does not exist; expected one of {string.Join(", ", ids.Keys)}");
            }).ToList();
            var bandwidth = r.Positive(r.Need(m, "bandwidth", "a connection"), "bandwidth") * frequency / 8;
            var energy = YamlReader.Find(m, "unit_energy_cost") is { } e ? r.NonNegative(e, "unit_energy_cost") : defaultEnergy;
            if (type == "link" && members.Count != 2)
                throw r.Error(item, $"a link joins {members.Count} cores; expected 2 (use type: bus for more)");
            if (type is not ("link" or "bus"))
                throw r.Error(item, $"connection type '{type}'; expected link or bus");
            for (var i = 0; i < members.Count; i++)
                for (var j = i + 1; j < members.Count; j++)
                    links.Add(new Link(members[i], members[j], bandwidth, energy, 0));
        }
        var sharing = YamlReader.Find(root, "core_memory_sharing") is { } sn ? SharingGroups(r, sn, ids, parsedOf, offchip) : [];

        var name = r.OptionalText(root, "name") ?? Path.GetFileNameWithoutExtension(path);
        return new Package(name, chiplets, memories, links, r.File) { SharedMemoryGroups = sharing };
    }

    /// <summary>
    /// core_memory_sharing: groups ("0, 1" or [0, 1]) of compute cores that share their outermost memories. Every
    /// member must exist, be a compute core, appear in one group only, and have the same outermost memories as
    /// the group's first core (size, operands, port bandwidths and access energies), since they are one instance.
    /// </summary>
    private static ImmutableArray<ImmutableArray<string>> SharingGroups(YamlReader r, YamlNode node, Dictionary<string, string> ids,
        Dictionary<string, (ParsedCore Core, string File)> parsedOf, string offchip)
    {
        var groups = ImmutableArray.CreateBuilder<ImmutableArray<string>>();
        var grouped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in r.Sequence(node, "core_memory_sharing"))
        {
            var members = entry is YamlSequenceNode list
                ? list.Select(c => r.Text(c, "core id")).ToList()
                : [.. r.Text(entry, "core_memory_sharing").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
            foreach (var id in members)
            {
                if (!ids.ContainsKey(id))
                    throw r.Error(entry, $"core_memory_sharing names core {id}, which does not exist; expected one of {string.Join(", ", ids.Keys)}");
                if (id == offchip || parsedOf[id].Core.Core is null)
                    throw r.Error(entry, $"core_memory_sharing names core {id}, which is {(id == offchip ? "the off-chip core" : "a memory core")}; expected compute cores");
                if (!grouped.Add(id))
                    throw r.Error(entry, $"core {id} shares memory in two core_memory_sharing groups; expected each core in one group");
            }
            if (members.Count < 2)
                throw r.Error(entry, $"core_memory_sharing group '{string.Join(", ", members)}' has one core; expected two or more");
            var (first, firstFile) = parsedOf[members[0]];
            foreach (var id in members.Skip(1))
            {
                var (other, otherFile) = parsedOf[id];
                if (TopMismatch(first.Core!, other.Core!) is { } what)
                    throw r.Error(entry, $"cores {members[0]} and {id} share memory but their outermost memories differ: {what} " +
                        $"({Path.GetFileName(firstFile)} against {Path.GetFileName(otherFile)}); expected one shared instance");
            }
            groups.Add([.. members.Select(m => ids[m])]);
        }
        return groups.ToImmutable();
    }

    /// <summary>What differs between the outermost memories (per operand) of two cores, or null when they match.</summary>
    private static string? TopMismatch(Core a, Core b)
    {
        foreach (var role in Enum.GetValues<OperandRole>())
        {
            var (x, y) = (OnChipTop(a, role), OnChipTop(b, role));
            if (x is null || y is null)
            {
                if (x != y) return $"only {(x is null ? b.Name : a.Name)} has an outermost memory for {role}";
                continue;
            }
            if (x.CapacityBits != y.CapacityBits) return $"{role} memory {x.Name} holds {x.CapacityBits} bits, {y.Name} {y.CapacityBits}";
            if (!x.Holds.ToHashSet().SetEquals(y.Holds)) return $"{x.Name} holds {string.Join(" ", x.Holds)}, {y.Name} {string.Join(" ", y.Holds)}";
            if (x.ReadBitsPerCycle != y.ReadBitsPerCycle || x.WriteBitsPerCycle != y.WriteBitsPerCycle)
                return $"{x.Name} ports read/write {x.ReadBitsPerCycle}/{x.WriteBitsPerCycle} bits per cycle, {y.Name} {y.ReadBitsPerCycle}/{y.WriteBitsPerCycle}";
            if (x.ReadEnergyPerBitPj != y.ReadEnergyPerBitPj || x.WriteEnergyPerBitPj != y.WriteEnergyPerBitPj)
                return $"{x.Name} costs {x.ReadEnergyPerBitPj}/{x.WriteEnergyPerBitPj} pJ per bit read/written, {y.Name} {y.ReadEnergyPerBitPj}/{y.WriteEnergyPerBitPj}";
        }
        return null;
    }

    private static MemoryLevel? OnChipTop(Core core, OperandRole role) =>
        core.OutermostLevelOf(role) is >= 0 and var i ? core.Memories[i] : null;

    /// <summary>The chiplet or memory-device id that Stream core <paramref name="coreId"/> becomes.</summary>
    public static string InstanceId(string coreId) => $"core{coreId}";

    private static T Wrap<T>(YamlReader r, YamlNode at, Func<T> build)
    {
        try { return build(); }
        catch (Diagnostics.TesseraInputException e) { throw r.Error(at, e.Message); }
    }

    /// <summary>Core paths are relative to the accelerator file; missing prefixed paths fall back to cores/NAME.</summary>
    private static string Resolve(YamlReader r, YamlNode node, string dir)
    {
        var relative = r.Text(node, "core file");
        if (relative.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            throw r.Error(node, "core file name holds a character no path may hold; expected a file name");
        var direct = Path.GetFullPath(Path.Combine(dir, relative));
        if (File.Exists(direct)) return direct;
        var fallback = Path.Combine(dir, "cores", Path.GetFileName(relative));
        if (File.Exists(fallback)) return fallback;
        throw r.Error(node, $"core file '{relative}' not found (looked at {direct} and {fallback})");
    }

    private sealed record ParsedMemory(string Name, long Bits, double ReadBw, double WriteBw, double ReadPjPerBit,
        double WritePjPerBit, double LatencyCycles, bool SharedPort, ImmutableArray<MemoryPort> Ports);

    /// <summary>
    /// One ZigZag/Stream core file on its own (for mapping a layer on one core). The outermost level becomes the
    /// off-chip level when it holds every operand and is named like DRAM, is at least the library's off-chip size, or
    /// the file is a ZigZag accelerator (no Stream <c>type:</c>), whose hierarchy ends at its top level as ZigZag's
    /// does; a memory-only file (Stream's offchip.yaml) yields no core, only that level. Off-chip levels keep the file's
    /// ports, bandwidth and energy per bit, and are unbounded unless they are such a ZigZag top level.
    /// </summary>
    public static (Core? Core, MemoryLevel? OffChip) LoadCore(string path, TechnologyLibrary technology)
    {
        var frequency = technology.Si("stream_import.default_frequency");
        var parsed = ParseCore(Path.GetFullPath(path), technology, frequency, technology.NodeFrom("defaults.node"));
        ParsedMemory? top = parsed.Top;
        bool zigZag = YamlReader.Find(YamlReader.Load(path, lastKeyWins: true).Root, "type") is null;
        MemoryLevel OffChip(bool bounded = false) => new(top!.Name, bounded ? top.Bits : long.MaxValue, top.ReadBw, top.WriteBw, top.ReadPjPerBit, top.WritePjPerBit,
            [OperandRole.Input, OperandRole.Weight, OperandRole.Output], [], SharedReadWritePort: top.SharedPort, Ports: top.Ports);
        if (parsed.Core is not { } core) return (null, OffChip());
        var last = core.Memories[^1];
        bool holdsAll = Enum.GetValues<OperandRole>().All(last.Holds.Contains);
        bool looksOffChip = last.Name.Contains("dram", StringComparison.OrdinalIgnoreCase)
            || last.CapacityBits / 8.0 >= technology.Si("stream_import.offchip_level_min_size");
        if (core.Memories.Length > 1 && holdsAll && (looksOffChip || zigZag))
            return (core with { Memories = core.Memories[..^1] }, OffChip(bounded: !looksOffChip));
        return (core, null);
    }

    /// <summary>
    /// The spatial unrolling of a ZigZag/Stream mapping file for one layer type: the entry named like the type
    /// (Conv, Gemm, …), else "default". Entries are "DIM, factor" per array axis; axes the core lacks are ignored. The
    /// entry's temporal_ordering ([DIM, factor], innermost first, "*" for the rest), when given, is kept with it.
    /// </summary>
    public static SpatialUnrolling LoadSpatialMapping(string path, string layerType, IReadOnlyList<ArrayAxis> axes)
    {
        var (r, root) = YamlReader.LoadAny(path, lastKeyWins: true);
        var entries = r.Sequence(root, "a mapping file (a list of {name, spatial_mapping})").Children.Select(e => r.Mapping(e, "mapping entry")).ToList();
        YamlMappingNode? Named(string name) => entries.FirstOrDefault(e => r.OptionalText(e, "name") == name
            && (YamlReader.Find(e, "spatial_mapping") is not null || YamlReader.Find(e, "spatial_mapping_hint") is not null));
        var entry = Named(layerType) ?? Named("default")
            ?? throw new Diagnostics.TesseraInputException($"{path}: no spatial_mapping (or spatial_mapping_hint) for layer type '{layerType}' and no 'default' entry");
        var entryName = $"{Path.GetFileNameWithoutExtension(path)}:{r.OptionalText(entry, "name")}";
        var unrolling = YamlReader.Find(entry, "spatial_mapping") is { } exact
            ? ParseUnrolling(r, exact, entryName, axes, "spatial_mapping", skipUnknownAxes: true)
            : ParseHint(r, YamlReader.Find(entry, "spatial_mapping_hint")!, entryName, axes);
        if (YamlReader.Find(entry, "temporal_ordering") is not { } ordering) return unrolling;
        var loops = ImmutableArray.CreateBuilder<(string, long)>();
        foreach (var item in r.Sequence(ordering, "temporal_ordering"))
        {
            var pair = r.Sequence(item, "a temporal loop [DIM, factor]");
            if (pair.Children.Count != 2) throw r.Error(item, "temporal loop; expected [DIM, factor] or [DIM, \"*\"]");
            var factor = r.Text(pair.Children[1], "factor") == "*" ? 0 : (long)r.PositiveInt(pair.Children[1], "factor");
            loops.Add((r.Text(pair.Children[0], "dimension"), factor));
        }
        return unrolling with { TemporalOrdering = loops.ToImmutable() };
    }

    /// <summary>Loop dimensions a spatial unrolling may name: those of convolutions and matrix products, or numbered ones (D0, D1, …) as ZigZag's GEMM workloads use.</summary>
    private static readonly string[] UnrollableDimensions = ["B", "G", "K", "C", "OY", "OX", "FY", "FX", "D"];

    [System.Text.RegularExpressions.GeneratedRegex("^D[0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex NumberedDimension();

    /// <summary>
    /// An unrolling "D1: [K, 16]" per array axis ("DIM, factor" entries). Each axis's product of factors must fit its
    /// size and each dimension must be a loop dimension; mapping files may name axes the core lacks (they are skipped).
    /// </summary>
    private static SpatialUnrolling ParseUnrolling(YamlReader r, YamlNode node, string name, IReadOnlyList<ArrayAxis> axes, string what,
        bool skipUnknownAxes = false)
    {
        var map = r.Mapping(node, what);
        var sizes = axes.ToDictionary(a => a.Name, a => a.Size, StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<AxisUnrolling>();
        foreach (var (k, v) in map.Children)
        {
            var axis = r.Text(k, "array dimension");
            if (!sizes.TryGetValue(axis, out var size))
            {
                if (skipUnknownAxes) continue;
                throw r.Error(k, $"{what} names array dimension '{axis}', which the operational array lacks; expected one of " +
                    $"{string.Join(", ", sizes.Keys)}{Diagnostics.Suggestions.DidYouMean(axis, sizes.Keys)}");
            }
            var factors = ImmutableArray.CreateBuilder<(string, int)>();
            long product = 1;
            foreach (var item in r.Sequence(v, $"unrolling of {axis}"))
            {
                var parts = r.Text(item, "unrolling").Split(',', StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var f) || f <= 0)
                    throw r.Error(item, $"unrolling '{r.Text(item, "unrolling")}'; expected 'DIM, factor' such as 'K, 32'");
                product *= f;
                factors.Add((CheckedDimension(r, item, parts[0]), f));
            }
            if (product > size)
                throw r.Error(v, $"the unrolling of {axis} uses {product} PEs but {axis} has {size}");
            result.Add(new AxisUnrolling(axis, factors.ToImmutable()));
        }
        return new SpatialUnrolling(name, result.ToImmutable());
    }

    private sealed record ParsedCore(Core? Core, ParsedMemory Top)
    {
        public MemoryDevice AsDevice(string id, string type, double frequency) =>
            new(id, type, Math.Max(Top.ReadBw, Top.WriteBw) * frequency / 8, Top.ReadPjPerBit, Top.LatencyCycles / frequency, Top.Bits / 8);
    }

    private static ParsedCore ParseCore(string file, TechnologyLibrary technology, double frequency, string node)
    {
        var (r, root) = YamlReader.Load(file, lastKeyWins: true);
        r.KnownKeys(root, "a core", "name", "type", "memories", "operational_array", "dataflows", "operand_precision", "operator_types");
        var name = r.OptionalText(root, "name") ?? Path.GetFileNameWithoutExtension(file);
        var type = r.OptionalText(root, "type") ?? "compute";
        var levelsNode = r.Mapping(r.Need(root, "memories", $"core '{name}'"), "memories");
        var levels = new List<(ParsedMemory Memory, ImmutableArray<OperandRole> Holds, ImmutableArray<string> Served)>();
        foreach (var (k, v) in levelsNode.Children)
            levels.Add(Memory(r, r.Text(k, "memory name"), r.Mapping(v, "memory")));
        if (levels.Count == 0) throw r.Error(levelsNode, $"core '{name}' has no memories");

        var array = r.Mapping(r.Need(root, "operational_array", $"core '{name}'"), "operational_array");
        if (YamlReader.Find(array, "is_imc") is null) r.KnownKeys(array, "operational_array", ImcArrayKeys);
        var dims = r.Sequence(r.Need(array, "dimensions", "operational_array"), "dimensions").Select(d => r.Text(d, "dimension")).ToList();
        var sizesNode = r.Sequence(r.Need(array, "sizes", "operational_array"), "sizes");
        var sizes = sizesNode.Select(s => r.Int(s, "size", 0, int.MaxValue)).ToList();
        if (dims.Count != sizes.Count)
            throw r.Error(sizesNode, $"{sizes.Count} sizes for {dims.Count} dimensions; expected one size per dimension");
        var isMemory = type.EndsWith("memory", StringComparison.Ordinal) || type.EndsWith("offchip", StringComparison.Ordinal)
            || sizes.Any(s => s <= 0);
        if (isMemory)
            return new ParsedCore(null, levels[^1].Memory);

        var axes = dims.Zip(sizes, (d, s) => new ArrayAxis(d, s)).ToImmutableArray();
        var macEnergy = YamlReader.Find(array, "unit_energy") is { } ue ? r.NonNegative(ue, "unit_energy") : technology.MacEnergyPj(MacBits(r, root, array, technology), node);
        var pe = new PeArray(axes, macEnergy, MacBits(r, root, array, technology));
        pe = pe with { Imc = ImcOf(r, array, pe, levels, technology) };
        var memories = levels.Select(l => new MemoryLevel(l.Memory.Name, l.Memory.Bits, l.Memory.ReadBw, l.Memory.WriteBw,
            l.Memory.ReadPjPerBit, l.Memory.WritePjPerBit, l.Holds, l.Served, SharedReadWritePort: l.Memory.SharedPort,
            Ports: l.Memory.Ports)).ToImmutableArray();
        // The file's `dataflows:` pins the unrolling; without it, an IMC macro's own, else the one the per-PE memories can
        // feed (a mapping file may override any).
        var dataflow = YamlReader.Find(root, "dataflows") is { } df && df is not YamlScalarNode { Value: null or "" or "null" }
            ? ParseUnrolling(r, df, $"{name}:dataflows", axes, "dataflows")
            : pe.Imc?.DefaultUnrolling(pe) ?? Dataflows.FromServedAxes(axes, memories, pe.MacBits);
        return new ParsedCore(new Core(name, pe, dataflow, frequency, memories), levels[^1].Memory);
    }

    private static int MacBits(YamlReader r, YamlMappingNode root, YamlMappingNode array, TechnologyLibrary technology)
    {
        if (YamlReader.Find(array, "input_precision") is YamlSequenceNode { Children.Count: > 0 } ip && r.Number(ip.Children[0], "input_precision") > 0)
            return r.Bits(ip.Children[0], "input_precision");
        if (YamlReader.Find(root, "operand_precision") is YamlMappingNode op && YamlReader.Find(op, "input") is { } input)
        {
            var text = r.Text(input, "input precision");
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) ? b is >= 1 and <= Limits.MaxOperandBits ? b
                    : throw r.Error(input, $"input precision {b}; expected 1 to {Limits.MaxOperandBits} bits")
                : TechnologyLibrary.BitsOf(text);
        }
        return (int)technology.Value("stream_import.default_mac_bits");
    }

    private static readonly Dictionary<string, PortDirection> Directions = new(StringComparer.Ordinal)
    {
        ["fh"] = PortDirection.FromHigh,
        ["tl"] = PortDirection.ToLow,
        ["fl"] = PortDirection.FromLow,
        ["th"] = PortDirection.ToHigh,
    };

    private static readonly Dictionary<string, OperandRole> Operands = new(StringComparer.Ordinal)
    {
        ["I1"] = OperandRole.Input,
        ["I2"] = OperandRole.Weight,
        ["O"] = OperandRole.Output,
    };

    private static (ParsedMemory, ImmutableArray<OperandRole>, ImmutableArray<string>) Memory(YamlReader r, string name, YamlMappingNode m)
    {
        r.KnownKeys(m, $"memory '{name}'", "size", "r_cost", "w_cost", "area", "latency", "operands", "ports", "served_dimensions",
            "auto_cost_extraction", "force_double_buffering", "min_r_granularity", "min_w_granularity");
        var bits = r.Long(r.Need(m, "size", $"memory '{name}'"), $"size of memory '{name}'", 1, Limits.MaxMemoryBits);
        var holdsNode = r.Sequence(r.Need(m, "operands", $"memory '{name}'"), "operands");
        var holds = holdsNode.Select(o => Operands.TryGetValue(r.Text(o, "operand"), out var role) ? role
            : throw r.Error(o, $"memory '{name}' holds operand '{r.Text(o, "operand")}'; expected I1, I2 or O")).Distinct().ToImmutableArray();
        if (holds.IsEmpty) throw r.Error(holdsNode, $"memory level '{name}' holds no operand; expected one of I1, I2, O");
        var rCost = r.NonNegative(r.Need(m, "r_cost", $"memory '{name}'"), "r_cost");
        var wCost = r.NonNegative(r.Need(m, "w_cost", $"memory '{name}'"), "w_cost");
        // r_cost/w_cost are per access of one port word (bandwidth_max bits): per bit they depend on the port.
        double read = 0, write = 0;
        var ports = ImmutableArray.CreateBuilder<MemoryPort>();
        var portsNode = r.Sequence(r.Need(m, "ports", $"memory '{name}'"), "ports");
        bool allocated = false;
        foreach (var p in portsNode)
        {
            var port = r.Mapping(p, "port");
            r.KnownKeys(port, $"a port of memory '{name}'", "name", "type", "bandwidth_min", "bandwidth_max", "allocation");
            var bw = r.Positive(r.Need(port, "bandwidth_max", "a port"), "bandwidth_max");
            var minNode = YamlReader.Find(port, "bandwidth_min");
            var min = minNode is null ? bw : r.Positive(minNode, "bandwidth_min");
            if (min > bw) throw r.Error(minNode!, $"bandwidth_min {min} exceeds bandwidth_max {bw} of a port of memory '{name}'");
            var kind = r.OptionalText(port, "type") ?? "read_write";
            if (kind is not ("read" or "write" or "read_write"))
                throw r.Error(port, $"port type '{kind}' of memory '{name}'; expected read, write or read_write");
            if (kind is "read" or "read_write") read = Math.Max(read, bw);
            if (kind is "write" or "read_write") write = Math.Max(write, bw);
            var serves = ImmutableArray.CreateBuilder<(OperandRole, PortDirection)>();
            if (YamlReader.Find(port, "allocation") is YamlSequenceNode allocation)
                foreach (var a in allocation)
                {
                    var parts = r.Text(a, "allocation").Split(',', StringSplitOptions.TrimEntries);
                    if (parts.Length != 2 || !Operands.TryGetValue(parts[0], out var role) || !Directions.TryGetValue(parts[1], out var direction))
                        throw r.Error(a, $"port allocation '{r.Text(a, "allocation")}'; expected 'OPERAND, DIRECTION' with OPERAND I1, I2 or O and DIRECTION fh, tl, fl or th");
                    if (!holds.Contains(role))
                        throw r.Error(a, $"port allocation '{r.Text(a, "allocation")}' names an operand memory '{name}' does not hold");
                    serves.Add((role, direction));
                    allocated = true;
                }
            ports.Add(new MemoryPort(r.OptionalText(port, "name") ?? $"port{ports.Count + 1}", bw, min,
                kind == "write" ? 0 : rCost / bw, kind == "read" ? 0 : wCost / bw, serves.ToImmutable()));
        }
        if (read <= 0 || write <= 0)
            throw r.Error(m, $"memory '{name}' needs a read and a write port with positive bandwidth_max");
        var latency = YamlReader.Find(m, "latency") is { } l ? r.NonNegative(l, "latency") : 0;
        var served = YamlReader.Find(m, "served_dimensions") is { } s
            ? r.Sequence(s, "served_dimensions").Select(d => r.Text(d, "dimension")).ToImmutableArray() : [];
        var shared = portsNode.All(p => (r.OptionalText(r.Mapping(p, "port"), "type") ?? "read_write") == "read_write");
        return (new ParsedMemory(name, bits, read, write, rCost / read, wCost / write, latency, shared, allocated ? ports.ToImmutable() : default),
            holds, served);
    }
}
