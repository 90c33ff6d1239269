using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Hardware.Presets;
using Tessera.Technology;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Hardware.Yaml;

/// <summary>
/// Systems larger than one package: a file with <c>children:</c> is a <see cref="SystemNode"/>. Example:
/// <code>
/// name: node
/// children:
///   - {id: b, file: board.yaml, repeat: 8}          # b0 … b7; repeat: [w, h] gives b0_0 … on a grid
///   - {id: host, preset: tpu-like, port: tpu-like}  # a package preset (port: the chiplet the node's links reach)
///   - id: pool
///     package: {chiplets: {...}, memories: [...]}   # an inline package; or system: {children: ...} for an inline node
/// topology: {kind: switch, link: infiniband-ndr}    # ring | mesh | torus | all-to-all | switch | explicit (pairs:)
/// links: [{from: host, to: b0, link: serdes-112g-lr}]
/// memories: [{id: pool, type: DDR5, attach: host}]
/// port: switch                                      # what a parent's links reach (default: the switch, else the first child)
/// </code>
/// </summary>
public static partial class TesseraHardwareYaml
{
    /// <summary>Loads a hardware file as a system: a system file, or a package file as a system of that one package.</summary>
    public static SystemNode LoadSystem(string path, TechnologyLibrary technology)
    {
        var (r, root) = YamlReader.Load(path);
        var full = Path.GetFullPath(path);
        var parser = new Parser(r, technology, Path.GetDirectoryName(full) ?? ".");
        var name = Path.GetFileNameWithoutExtension(path);
        return IsSystem(root) ? parser.System(root, name, [full], r.OptionalText(root, "name") ?? name)
            : SystemNode.Of(parser.Package(root, name));
    }

    /// <summary>A system file lists children; a package file lists chiplets.</summary>
    private static bool IsSystem(YamlMappingNode root) => YamlReader.Find(root, "children") is not null;

    private sealed partial class Parser
    {
        private static readonly string[] SystemKeys = ["name", "children", "topology", "links", "memories", "port"];
        private static readonly string[] ChildKeys = ["id", "repeat", "file", "preset", "package", "system", "port"];
        private static readonly string[] ChildSources = ["file", "preset", "package", "system"];
        private static readonly string[] SystemLinkKeys = ["from", "to", "link"];
        private static readonly string[] SystemMemoryKeys = ["id", "type", "attach"];
        private static readonly string[] SystemTopologies = ["ring", "mesh", "torus", "all-to-all", "switch", "explicit"];

        /// <summary>
        /// Each included file's element by full path, shared by the parsers of one load: a file named by several children
        /// (or several files) is read and parsed once, so a deep lattice of inclusions costs linear, not exponential, time.
        /// </summary>
        public Dictionary<string, IHardwareComponent> Included { get; init; } = new(StringComparer.Ordinal);

        /// <param name="files">Full paths of the files being read, outermost first (an inclusion cycle names them).</param>
        /// <param name="nesting">The path through the nesting to this node, for error messages ("node › b0").</param>
        public SystemNode System(YamlMappingNode root, string defaultName, ImmutableArray<string> files, string nesting)
        {
            r.KnownKeys(root, $"system {nesting}", SystemKeys);
            var name = r.OptionalText(root, "name") ?? defaultName;
            var children = new List<SystemChild>();
            var declared = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var item in r.Sequence(r.Need(root, "children", $"system {nesting}"), "children"))
            {
                var m = r.Mapping(item, "a child");
                r.KnownKeys(m, $"a child of system {nesting}", ChildKeys);
                var idNode = r.Need(m, "id", $"a child of system {nesting}");
                var id = r.Text(idNode, "id");
                if (id.Contains('/') || id == SystemNode.SwitchId)
                    throw r.Error(idNode, $"system {nesting}: child id '{id}'; expected a name without '/' other than '{SystemNode.SwitchId}'");
                var sources = ChildSources.Where(k => Find(m, k) is not null).ToList();
                if (sources.Count != 1)
                    throw r.Error(m, $"system {nesting}: child '{id}' gives {(sources.Count == 0 ? "no element" : string.Join(" and ", sources))}; expected exactly one of {string.Join(", ", ChildSources)}");
                var element = Child(m, sources[0], id, files, $"{nesting} › {id}");
                var inner = r.OptionalText(m, "port");
                foreach (var (childId, x, y) in Repeat(m, id, children.Count))
                {
                    if (!declared.TryAdd(childId, idNode))
                        throw r.Error(idNode, $"system {nesting}: child id '{childId}' is used twice; expected unique ids");
                    children.Add(Wrap(m, () => new SystemChild(childId, element, x, y, inner)));
                }
            }
            var memories = new List<MemoryDevice>();
            var links = new List<Link>();
            if (Find(root, "memories") is { } memNode)
                foreach (var item in r.Sequence(memNode, "memories"))
                    memories.Add(SystemMemory(r.Mapping(item, "a memory device"), children, declared, links, nesting));
            var ends = new HashSet<string>(declared.Keys.Concat(memories.Select(m => m.Id)), StringComparer.Ordinal);
            bool hasSwitch = false;
            if (Find(root, "topology") is { } topoNode)
            {
                var topology = r.Mapping(topoNode, "topology");
                hasSwitch = Find(topology, "kind") is { } kind && r.Text(kind, "kind").Equals("switch", StringComparison.OrdinalIgnoreCase);
                links.AddRange(TopologyLinks(topology, [.. children.Select(c => (c.Id, c.X, c.Y))], $"system {nesting}", ("child", "children"), SystemTopologies,
                    seq => ExplicitSystemPairs(seq, ends, nesting)));
            }
            if (hasSwitch) ends.Add(SystemNode.SwitchId);
            if (Find(root, "links") is { } linksNode)
                foreach (var item in r.Sequence(linksNode, "links"))
                {
                    var m = r.Mapping(item, "a link");
                    r.KnownKeys(m, $"a link of system {nesting}", SystemLinkKeys);
                    var (from, to) = (Endpoint(r.Need(m, "from", "a link"), ends, nesting), Endpoint(r.Need(m, "to", "a link"), ends, nesting));
                    var (bandwidth, energy, latency) = LinkSpec(r.Need(m, "link", "a link"));
                    links.Add(new Link(from, to, bandwidth, energy, latency));
                }
            string? port = null;
            if (Find(root, "port") is { } portNode)
                port = Endpoint(portNode, new HashSet<string>(declared.Keys.Concat(hasSwitch ? [SystemNode.SwitchId] : []), StringComparer.Ordinal), nesting);
            return Wrap(root, () => new SystemNode(name, children, links, memories, hasSwitch, port, r.File));
        }

        /// <summary>The element a child entry describes: a file (package or system), a preset, or an inline package or node.</summary>
        private IHardwareComponent Child(YamlMappingNode m, string source, string id, ImmutableArray<string> files, string nesting)
        {
            var node = Find(m, source)!;
            switch (source)
            {
                case "preset":
                    var preset = r.Text(node, "preset");
                    return Wrap<IHardwareComponent>(node, () => SystemPresets.Names.Contains(preset.Trim().ToLowerInvariant())
                        ? SystemPresets.Create(preset, tech) : HardwarePresets.CreatePackage(preset, tech));
                case "package":
                    return Package(r.Mapping(node, "package"), id);
                case "system":
                    return System(r.Mapping(node, "system"), id, files, nesting);
            }
            var text = r.Text(node, "file");
            var full = Path.GetFullPath(Path.IsPathRooted(text) ? text : Path.Combine(folder, text));
            if (files.Contains(full))
                throw r.Error(node, $"system {nesting}: file inclusion cycle {string.Join(" → ", files.Append(full).Select(Path.GetFileName))}; expected a tree of files");
            if (!File.Exists(full))
                throw r.Error(node, $"system {nesting}: file '{text}' does not exist");
            if (Included.TryGetValue(full, out var parsed)) return parsed;
            try
            {
                var (inner, root) = YamlReader.Load(full);
                var parser = new Parser(inner, tech, Path.GetDirectoryName(full) ?? ".") { Included = Included };
                return Included[full] = IsSystem(root) ? parser.System(root, id, files.Add(full), nesting) : parser.Package(root, id);
            }
            catch (TesseraInputException e) when (!e.Message.Contains(" (included from ", StringComparison.Ordinal))
            {
                throw new TesseraInputException($"{e.Message} (included from {r.File}:{node.Start.Line}:{node.Start.Column} as {nesting})", e);
            }
        }

        /// <summary>The ids and grid positions of a child entry: one, or repeat: n (id0 …) or repeat: [w, h] (id0_0 …).</summary>
        private IEnumerable<(string Id, int X, int Y)> Repeat(YamlMappingNode m, string id, int declaredBefore)
        {
            // A row of children (one, or repeat: n) continues along x after the ones declared before; a grid starts at (0, 0).
            if (Find(m, "repeat") is not { } node) return [(id, declaredBefore, 0)];
            var (w, h) = node is YamlSequenceNode seq
                ? seq.Children.Count == 2 ? (r.PositiveInt(seq.Children[0], "repeat width"), r.PositiveInt(seq.Children[1], "repeat height"))
                    : throw r.Error(node, "repeat is n or [width, height]")
                : (r.PositiveInt(node, "repeat"), 1);
            Limits.Check($"{r.File}:{node.Start.Line}:{node.Start.Column}", "the repeat count", (double)w * h, Limits.Current.Chiplets, "chiplets");
            bool grid = node is YamlSequenceNode;
            return [.. Enumerable.Range(0, h).SelectMany(y => Enumerable.Range(0, w).Select(x => grid ? ($"{id}{x}_{y}", x, y) : ($"{id}{x}", declaredBefore + x, y)))];
        }

        private string Endpoint(YamlNode node, HashSet<string> ends, string nesting)
        {
            var id = r.Text(node, "endpoint");
            return ends.Contains(id) ? id
                : throw r.Error(node, $"system {nesting}: '{id}' is no child, memory or switch of this node{Suggestions.DidYouMean(id, ends)}; expected one of {string.Join(", ", ends)}");
        }

        private MemoryDevice SystemMemory(YamlMappingNode map, List<SystemChild> children, Dictionary<string, YamlNode> declared,
            List<Link> links, string nesting)
        {
            r.KnownKeys(map, $"a memory of system {nesting}", SystemMemoryKeys);
            var id = r.Text(r.Need(map, "id", "a memory device"), "id");
            var typeNode = r.Need(map, "type", $"memory '{id}'");
            var spec = Wrap(typeNode, () => tech.Dram(r.Text(typeNode, "type")));
            var attach = Find(map, "attach") is { } a ? Endpoint(a, [.. declared.Keys], nesting) : children[0].Id;
            var device = new MemoryDevice(id, spec.Type, spec.BandwidthBytesPerSecond, spec.EnergyPerBitPj, spec.LatencySeconds, spec.CapacityBytes);
            links.Add(HardwareDefaults.MemoryLink(device, attach));
            return device;
        }

        /// <summary>Explicit pairs of a system's endpoints, refused as a package's are (a self-link or a pair named twice).</summary>
        private ImmutableArray<(string, string)> ExplicitSystemPairs(YamlSequenceNode seq, HashSet<string> ends, string nesting)
        {
            var pairs = seq.Select(p =>
            {
                var pair = r.Sequence(p, "pair");
                return pair.Children.Count == 2 ? (Endpoint(pair.Children[0], ends, nesting), Endpoint(pair.Children[1], ends, nesting))
                    : throw r.Error(p, "a link pair must be [a, b]");
            }).ToList();
            return Wrap(seq, () => Topologies.Explicit(pairs));
        }
    }
}
