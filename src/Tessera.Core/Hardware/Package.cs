using System.Collections.Concurrent;
using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Hardware;

/// <summary>
/// A package: chiplet instances and memory devices joined by links. Validates that every link names
/// endpoints that exist and finds shortest routes (fewest hops) between endpoints, one breadth-first search per
/// source the first time it is asked (a flattened multi-package system has too many endpoint pairs to route all).
/// <see cref="Switches"/> are link-only endpoints (a board or network switch of a flattened <see cref="SystemNode"/>).
/// </summary>
public sealed record Package : IHardwareComponent
{
    private readonly Dictionary<string, List<(string Next, Link Via)>> _adjacency;
    private readonly ConcurrentDictionary<string, Dictionary<string, (string Previous, Link Link, int Hops)>> _trees = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), ImmutableArray<Link>> _routes = new();

    /// <param name="source">File or preset name used in error messages.</param>
    public Package(string name, IEnumerable<ChipletInstance> chiplets, IEnumerable<MemoryDevice> memories,
        IEnumerable<Link> links, string? source = null, IEnumerable<string>? switches = null)
    {
        Name = name;
        Chiplets = [.. chiplets];
        Memories = [.. memories];
        Links = [.. links];
        Switches = switches is null ? [] : [.. switches];
        var where = source ?? name;
        if (Chiplets.IsEmpty)
            throw TesseraInputException.At(where, "a package needs at least one chiplet");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in Chiplets.Select(c => c.Id).Concat(Memories.Select(m => m.Id)).Concat(Switches))
            if (!ids.Add(id))
                throw TesseraInputException.At(where, $"id '{id}' is used twice; expected unique chiplet, memory and switch ids");
        foreach (var link in Links)
        {
            foreach (var end in new[] { link.From, link.To })
                if (!ids.Contains(end))
                    throw TesseraInputException.At(where, $"link {link.From}–{link.To} names '{end}', which is no chiplet, memory or switch of this package");
            if (link.BandwidthBytesPerSecond <= 0)
                throw TesseraInputException.At(where, $"link {link.From}–{link.To} has bandwidth {link.BandwidthBytesPerSecond}; expected a positive bandwidth");
        }
        _adjacency = ids.ToDictionary(id => id, _ => new List<(string Next, Link Via)>(), StringComparer.Ordinal);
        foreach (var link in Links)
        {
            _adjacency[link.From].Add((link.To, link));
            _adjacency[link.To].Add((link.From, link));
        }
    }

    public string Name { get; }
    public ImmutableArray<ChipletInstance> Chiplets { get; }
    public ImmutableArray<MemoryDevice> Memories { get; }
    public ImmutableArray<Link> Links { get; }
    public ImmutableArray<string> Switches { get; }

    /// <summary>
    /// Groups of chiplet ids whose cores share one instance of each outermost on-chip memory (Stream's
    /// core_memory_sharing): its capacity and ports belong to the group, and data one member leaves there the
    /// others use without a transfer. Each chiplet is in at most one group of at least two.
    /// </summary>
    public ImmutableArray<ImmutableArray<string>> SharedMemoryGroups
    {
        get => _sharedMemoryGroups;
        init
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var group in value)
            {
                if (group.Distinct().Count() < 2)
                    throw TesseraInputException.At(Name, $"memory-sharing group [{string.Join(", ", group)}] has fewer than two chiplets");
                foreach (var id in group)
                {
                    if (!Chiplets.Any(c => c.Id == id))
                        throw TesseraInputException.At(Name, $"memory-sharing group [{string.Join(", ", group)}] names '{id}', which is no chiplet of this package");
                    if (!seen.Add(id))
                        throw TesseraInputException.At(Name, $"chiplet '{id}' is in two memory-sharing groups; expected at most one");
                }
            }
            _sharedMemoryGroups = value;
        }
    }

    private readonly ImmutableArray<ImmutableArray<string>> _sharedMemoryGroups = [];

    /// <summary>The memory-sharing group of a chiplet, or empty when it shares nothing.</summary>
    public ImmutableArray<string> SharedMemoryGroupOf(string chiplet) =>
        _sharedMemoryGroups.FirstOrDefault(g => g.Contains(chiplet), []);

    public double AreaMm2 => 0;
    public double StaticPowerW => 0;
    public IEnumerable<IHardwareComponent> Children => [.. Chiplets, .. Memories];

    public ChipletInstance Chiplet(string id) => Chiplets.First(c => c.Id == id);

    /// <summary>The links on a fewest-hop route, empty when from = to; null when unreachable.</summary>
    public ImmutableArray<Link>? Route(string from, string to)
    {
        if (from == to) return ImmutableArray<Link>.Empty;
        if (_routes.TryGetValue((from, to), out var cached)) return cached;
        if (!_adjacency.ContainsKey(from) || _trees.GetOrAdd(from, Tree) is not { } tree || !tree.ContainsKey(to)) return null;
        var path = new List<Link>();
        for (var at = to; at != from; at = tree[at].Previous)
            path.Add(tree[at].Link);
        path.Reverse();
        return _routes[(from, to)] = [.. path];
    }

    /// <summary>The breadth-first tree of fewest-hop routes from one endpoint; neighbours in declaration order keep it deterministic.</summary>
    private Dictionary<string, (string Previous, Link Link, int Hops)> Tree(string source)
    {
        var via = new Dictionary<string, (string Previous, Link Link, int Hops)>(StringComparer.Ordinal);
        var queue = new Queue<string>([source]);
        var seen = new HashSet<string>(StringComparer.Ordinal) { source };
        while (queue.TryDequeue(out var node))
            foreach (var (next, link) in _adjacency[node])
                if (seen.Add(next))
                {
                    via[next] = (node, link, node == source ? 1 : via[node].Hops + 1);
                    queue.Enqueue(next);
                }
        return via;
    }

    /// <summary>The number of links on a fewest-hop route (0 when from = to); null when unreachable.</summary>
    public int? Hops(string from, string to) =>
        from == to ? 0 : _adjacency.ContainsKey(from) && _trees.GetOrAdd(from, Tree).TryGetValue(to, out var step) ? step.Hops : null;

    /// <summary>Every endpoint some link path joins to one of <paramref name="sources"/> (the sources included).</summary>
    public IReadOnlySet<string> ReachableFrom(IEnumerable<string> sources)
    {
        var seen = new HashSet<string>(sources.Where(_adjacency.ContainsKey), StringComparer.Ordinal);
        var queue = new Queue<string>(seen);
        while (queue.TryDequeue(out var node))
            foreach (var (next, _) in _adjacency[node])
                if (seen.Add(next)) queue.Enqueue(next);
        return seen;
    }
}
