using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Hardware;

/// <summary>
/// One child of a <see cref="SystemNode"/>: a package (a leaf) or a nested node, at a grid position (for mesh and
/// torus topologies). <see cref="Port"/> names the element inside it that the parent's links attach to: a chiplet
/// id of a package (default: its first chiplet) or a child id of a node (default: the node's own port).
/// </summary>
public sealed record SystemChild
{
    public SystemChild(string id, IHardwareComponent element, int x = 0, int y = 0, string? port = null)
    {
        if (element is not (Package or SystemNode))
            throw new TesseraInputException($"child '{id}' is a {element.GetType().Name}; expected a package or a system node");
        var inside = element is Package p ? p.Chiplets.Select(c => c.Id) : ((SystemNode)element).Children.Select(c => c.Id);
        if (port is not null && !inside.Contains(port))
            throw new TesseraInputException($"child '{id}': port '{port}' is no {(element is Package ? "chiplet" : "child")} of '{element.Name}'{Suggestions.DidYouMean(port, inside)}");
        (Id, Element, X, Y, Port) = (id, element, x, y, port);
    }

    public string Id { get; }
    public IHardwareComponent Element { get; }
    public int X { get; }
    public int Y { get; }
    public string? Port { get; }
}

/// <summary>
/// A level of a system larger than one package (a board, a node, a rack): children (packages or nested nodes) joined
/// by the node's own links, optionally through the node's <see cref="Switch"/> (link-only endpoint id
/// <see cref="SwitchId"/>), with optional memories of its own (a memory pool attached to a child). Link endpoints are
/// child ids, memory ids or the switch; a child id stands for the child's port. <see cref="Flatten"/> turns the tree
/// into one <see cref="Package"/> whose ids are paths ("board1/p3/c0_0"), so routes cross every level with each
/// level's bandwidth, latency and energy per bit, and the simulator runs on it unchanged.
/// </summary>
public sealed record SystemNode : IHardwareComponent
{
    /// <summary>The endpoint id of a node's switch in its links.</summary>
    public const string SwitchId = "switch";

    /// <param name="source">File or preset name used in error messages.</param>
    public SystemNode(string name, IEnumerable<SystemChild> children, IEnumerable<Link> links,
        IEnumerable<MemoryDevice>? memories = null, bool hasSwitch = false, string? port = null, string? source = null)
    {
        Name = name;
        Children = [.. children];
        Links = [.. links];
        Memories = memories is null ? [] : [.. memories];
        Switch = hasSwitch;
        Port = port;
        Source = source ?? name;
        if (Children.IsEmpty)
            throw TesseraInputException.At(Source, $"system '{name}' has no children; expected at least one package or node");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in Children.Select(c => c.Id).Concat(Memories.Select(m => m.Id)).Concat(Switch ? [SwitchId] : []))
            if (!ids.Add(id))
                throw TesseraInputException.At(Source, $"system '{name}': id '{id}' is used twice; expected unique child, memory and switch ids");
        foreach (var link in Links)
            foreach (var end in new[] { link.From, link.To })
                if (!ids.Contains(end))
                    throw TesseraInputException.At(Source, $"system '{name}': link {link.From}–{link.To} names '{end}', which is no child, memory or switch of this node{Suggestions.DidYouMean(end, ids)}");
        if (port is not null && !Children.Any(c => c.Id == port) && !(Switch && port == SwitchId))
            throw TesseraInputException.At(Source, $"system '{name}': port '{port}' is no child{Suggestions.DidYouMean(port, ids)}");
    }

    public string Name { get; }
    public ImmutableArray<SystemChild> Children { get; }
    public ImmutableArray<Link> Links { get; }
    public ImmutableArray<MemoryDevice> Memories { get; }
    public bool Switch { get; }

    /// <summary>The child (or <see cref="SwitchId"/>) the parent's links attach to; null: the switch if any, else the first child.</summary>
    public string? Port { get; }

    /// <summary>The file or preset this node came from (error messages).</summary>
    public string Source { get; }

    public double AreaMm2 => 0;
    public double StaticPowerW => 0;
    IEnumerable<IHardwareComponent> IHardwareComponent.Children => [.. Children.Select(c => c.Element), .. Memories];

    /// <summary>The package when the system is one package and nothing else (as <see cref="Of"/> builds it); null otherwise.</summary>
    public Package? Package => Children is [{ Element: Package p }] && Links.IsEmpty && Memories.IsEmpty && !Switch ? p : null;

    /// <summary>A system of one package, described recursively: the package as the only child of a node.</summary>
    public static SystemNode Of(Package package, string childId = "p0") =>
        new(package.Name, [new SystemChild(childId, package)], []);

    /// <summary>Every package of the tree with its path (child ids joined by '/'), depth first in declaration order.</summary>
    public IEnumerable<(string Path, Package Package)> Leaves(string prefix = "")
    {
        foreach (var child in Children)
        {
            var path = prefix + child.Id;
            if (child.Element is Package p) yield return (path, p);
            else foreach (var leaf in ((SystemNode)child.Element).Leaves(path + "/")) yield return leaf;
        }
    }

    /// <summary>
    /// Chiplets, memory devices and links of the whole tree, counted without expanding it (a repeated element is counted
    /// once and multiplied), so that a few lines repeating a large element are refused before it is built.
    /// </summary>
    public (double Chiplets, double Memories, double Links) Size =>
        Measure(new Dictionary<SystemNode, (double, double, double)>(ReferenceEqualityComparer.Instance));

    private (double Chiplets, double Memories, double Links) Measure(Dictionary<SystemNode, (double, double, double)> measured)
    {
        if (measured.TryGetValue(this, out var known)) return known;
        (double chiplets, double memories, double links) = (0, Memories.Length, Links.Length);
        foreach (var child in Children)
        {
            var (c, m, l) = child.Element is Package p ? (p.Chiplets.Length, p.Memories.Length, p.Links.Length) : ((SystemNode)child.Element).Measure(measured);
            (chiplets, memories, links) = (chiplets + c, memories + m, links + l);
        }
        return measured[this] = (chiplets, memories, links);
    }

    /// <summary>The whole tree as one package: ids prefixed by their path, every level's links kept.</summary>
    public Package Flatten()
    {
        var (chiplets, memories, links) = Size;
        Limits.Check(Source, $"system '{Name}': the chiplet count of the flattened system", chiplets, Limits.Current.Chiplets, "chiplets");
        Limits.Check(Source, $"system '{Name}': the memory device count of the flattened system", memories, Limits.Current.MemoryDevices, "memory-devices");
        Limits.Check(Source, $"system '{Name}': the link count of the flattened system", links, Limits.Current.Links, "links");
        var (allChiplets, allMemories, allLinks) = (new List<ChipletInstance>(), new List<MemoryDevice>(), new List<Link>());
        var switches = new List<string>();
        var shared = new List<ImmutableArray<string>>();
        Collect("", allChiplets, allMemories, allLinks, switches, shared);
        var flat = new Package(Name, allChiplets, allMemories, allLinks, Source, switches) { SharedMemoryGroups = [.. shared] };
        CheckMemoryReach(flat);
        return flat;
    }

    /// <summary>The flat id of this node's port (under <paramref name="prefix"/>).</summary>
    private string PortId(string prefix) =>
        (Port ?? (Switch ? SwitchId : Children[0].Id)) is var port && port == SwitchId ? prefix + SwitchId
            : ChildPortId(Children.First(c => c.Id == port), prefix);

    private static string ChildPortId(SystemChild child, string prefix)
    {
        var inner = prefix + child.Id + "/";
        if (child.Element is SystemNode node)
            return child.Port is null ? node.PortId(inner) : ChildPortId(node.Children.First(c => c.Id == child.Port), inner);
        return inner + (child.Port ?? ((Package)child.Element).Chiplets[0].Id);
    }

    private void Collect(string prefix, List<ChipletInstance> chiplets, List<MemoryDevice> memories, List<Link> links,
        List<string> switches, List<ImmutableArray<string>> shared)
    {
        foreach (var child in Children)
        {
            var inner = prefix + child.Id + "/";
            if (child.Element is SystemNode node)
            {
                node.Collect(inner, chiplets, memories, links, switches, shared);
                continue;
            }
            var p = (Package)child.Element;
            chiplets.AddRange(p.Chiplets.Select(c => c with { Id = inner + c.Id }));
            memories.AddRange(p.Memories.Select(m => m with { Id = inner + m.Id }));
            switches.AddRange(p.Switches.Select(s => inner + s));
            links.AddRange(p.Links.Select(l => l with { From = inner + l.From, To = inner + l.To }));
            shared.AddRange(p.SharedMemoryGroups.Select(g => g.Select(id => inner + id).ToImmutableArray()));
        }
        if (Switch) switches.Add(prefix + SwitchId);
        memories.AddRange(Memories.Select(m => m with { Id = prefix + m.Id }));
        string End(string id) =>
            id == SwitchId && Switch ? prefix + SwitchId
            : Memories.Any(m => m.Id == id) ? prefix + id
            : ChildPortId(Children.First(c => c.Id == id), prefix);
        links.AddRange(Links.Select(l => l with { From = End(l.From), To = End(l.To) }));
    }

    /// <summary>When the system has memory, every chiplet must reach some of it (its weights and spills go there).</summary>
    private void CheckMemoryReach(Package flat)
    {
        if (flat.Memories.IsEmpty) return;
        var reached = flat.ReachableFrom(flat.Memories.Select(m => m.Id));
        foreach (var chiplet in flat.Chiplets)
            if (!reached.Contains(chiplet.Id))
                throw TesseraInputException.At(Source,
                    $"system '{Name}': chiplet {chiplet.Id} reaches no memory device; expected a link path from it (through the nesting {string.Join(" › ", chiplet.Id.Split('/')[..^1])}) to a memory");
    }
}
