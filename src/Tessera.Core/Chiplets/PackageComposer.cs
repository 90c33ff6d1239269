using System.Collections.Concurrent;
using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Floorplanning;
using Tessera.Hardware;
using Tessera.Technology;

namespace Tessera.Chiplets;

/// <summary>
/// Chiplets of one design that do one job in a package (a pipeline stage, prefill, decode, draft, backbone …): how
/// many, and the off-chip memory they own (type and whole modules, spread over the group's chiplets). The role names
/// the group's chiplets (<c>{Role}{index}</c>) and memories (<c>{Role}-mem{index}</c>), so roles must differ.
/// </summary>
public sealed record ChipletGroup(string Role, string DesignName, ChipletCandidate Candidate, int Count, string MemoryType, int MemoryModules)
{
    /// <summary>"4× small + 2 HBM3".</summary>
    public string Describe() => $"{Count}× {DesignName} + {MemoryModules} {MemoryType}";

    /// <summary>Identity of the group's hardware (not its role): equal keys simulate alike.</summary>
    public string HardwareKey => $"{Candidate.Name}×{Count}+{MemoryModules}{MemoryType}";
}

/// <summary>How a package's groups sit on the carrier. Either way grid neighbours are joined by die-to-die links (a mesh).</summary>
public enum PackageTopology
{
    /// <summary>Each group a near-square block filled row by row, blocks side by side.</summary>
    Blocks,

    /// <summary>
    /// Each group one column (its chiplets one above the other), columns left to right in group order: a pipeline of
    /// stages along the rows, a stage's tensor-parallel chiplets along its column.
    /// </summary>
    Pipeline,
}

/// <summary>
/// A composed package: the whole package and one sub-package per group, its cost and its floorplan. A system of several
/// packages (<see cref="PackageComposer.ComposeSystem"/>) holds each physical package in <see cref="Parts"/>; its
/// <see cref="Package"/> is the flattened system, its cost is <see cref="SystemCost"/>, its die area, legality and
/// violations are its parts' together, and <see cref="Cost"/> and <see cref="Floorplan"/> are those of its first part.
/// </summary>
public sealed record ComposedPackage(string Name, Package Package, PackageTopology Topology, ImmutableArray<ChipletGroup> Groups,
    ImmutableDictionary<string, Package> GroupPackages, PackageCost Cost, Floorplan Floorplan)
{
    /// <summary>The physical packages of a system, in board order; empty for one package.</summary>
    public ImmutableArray<ComposedPackage> Parts { get; init; } = [];

    /// <summary>The price of a system's parts (null for one package).</summary>
    public SystemCost? SystemCost { get; init; }

    public bool Legal => Parts.IsEmpty ? Floorplan.Legal : Parts.All(p => p.Legal);

    public double CostUsd => SystemCost?.TotalUsd ?? Cost.TotalUsd;

    /// <summary>Manufacturing cost of the good package(s) with memory, without NRE.</summary>
    public double UnitCostUsd => SystemCost?.UnitCostUsd ?? Cost.UnitCostUsd;

    public double NrePerUnitUsd => SystemCost?.NrePerUnitUsd ?? Cost.NrePerUnitUsd;

    /// <summary>Silicon area of every die in the package(s) (mm²).</summary>
    public double DieAreaMm2 => Parts.IsEmpty ? Cost.Chiplets.Sum(c => c.Instances * c.Area.TotalMm2) : Parts.Sum(p => p.DieAreaMm2);

    /// <summary>The floorplan violations of the package, or of every part of a system (part name first).</summary>
    public ImmutableArray<Violation> Violations => Parts.IsEmpty ? Floorplan.Violations
        : [.. Parts.SelectMany((p, i) => p.Violations.Select(v => v with { Message = $"package s{i}: {v.Message}" }))];

    public string Describe() => string.Join(" | ", Groups.Select(g => $"{g.Role}: {g.Describe()}")) +
        (Parts.IsEmpty ? "" : $" over {Parts.Length} packages");

    /// <summary>The sub-package of one role: its chiplets, their memories and the links among them (across the parts of a system).</summary>
    public Package Of(string role) => GroupPackages.TryGetValue(role, out var p) ? p
        : throw new InvalidOperationException($"package {Name} has no group '{role}'");

    public ChipletGroup Group(string role) => Groups.First(g => g.Role == role);

    /// <summary>How many parts of a system hold the role (1 for one package).</summary>
    public int PackagesOf(string role) => Parts.IsEmpty ? 1 : Parts.Count(p => p.GroupPackages.ContainsKey(role));
}

/// <summary>
/// The one package builder: a BASIC's stages, a study's chiplet groups or a pool design become a <see cref="Package"/>
/// that is costed (<see cref="CostModel"/> under the options' profile), floorplanned (<see cref="Floorplanner"/>) and
/// simulated as it is. Chiplets sit on a grid (<see cref="PackageTopology"/>), grid neighbours joined by UCIe links
/// (advanced at 2.5D, standard at 2D, as the floorplanner checks them); each group's memory modules hang off its own
/// chiplets, round robin, edge chiplets first (DRAM PHYs sit on a die's shoreline).
/// </summary>
public static class PackageComposer
{
    /// <summary>
    /// Composes, costs and floorplans the groups; <paramref name="ucieReach"/> names the UCIe-advanced reach choice the
    /// floorplan checks 2.5D links against (spec, the default, or mozart; see <see cref="Floorplanner.Plan"/>).
    /// </summary>
    public static ComposedPackage Compose(TechnologyLibrary t, string name, IReadOnlyList<ChipletGroup> groups, PackageTopology topology,
        CostOptions options, string? ucieReach = null)
    {
        var layout = Place(name, groups, topology);
        var link = t.DieToDie(Floorplanner.LinkKind(options.Packaging));
        string Id(Slot s) => $"{groups[s.Group].Role}{s.Index}";
        var chiplets = layout.Slots.Select(s => new ChipletInstance(Id(s), groups[s.Group].Candidate.Chiplet, s.X, s.Y)).ToList();
        var meshLinks = Topologies.ToLinks(layout.Pairs.Select(p => (chiplets[p.A].Id, chiplets[p.B].Id)),
            link.BandwidthBytesPerSecond, link.EnergyPerBitPj, link.LatencySeconds);
        var memories = new List<(MemoryDevice Device, Link Link, int Group)>();
        for (int g = 0; g < groups.Count; g++)
            for (int m = 0; m < groups[g].MemoryModules; m++)
            {
                var device = HardwareDefaults.Device(t, $"{groups[g].Role}-mem{m}", groups[g].MemoryType);
                memories.Add((device, HardwareDefaults.MemoryLink(device, chiplets[layout.Host(g, m)].Id), g));
            }
        var package = new Package(name, chiplets, memories.Select(m => m.Device), [.. meshLinks, .. memories.Select(m => m.Link)], name);

        var subPackages = ImmutableDictionary.CreateBuilder<string, Package>(StringComparer.Ordinal);
        for (int g = 0; g < groups.Count; g++)
        {
            var own = chiplets.Where((_, i) => layout.Slots[i].Group == g).ToList();
            var devices = memories.Where(m => m.Group == g).Select(m => m.Device).ToList();
            var ids = own.Select(c => c.Id).Concat(devices.Select(d => d.Id)).ToHashSet(StringComparer.Ordinal);
            subPackages[groups[g].Role] = new Package($"{name}/{groups[g].Role}", own, devices,
                package.Links.Where(l => ids.Contains(l.From) && ids.Contains(l.To)), name);
        }
        return new ComposedPackage(name, package, topology, [.. groups], subPackages.ToImmutable(), CostModel.Evaluate(t, package, options),
            Floorplanner.Plan(t, package, options.Packaging, ucieReach));
    }

    /// <summary>
    /// Packages on a board: each part a composed package (costed and floorplanned on its own), consecutive parts joined by
    /// one board link between their first chiplets, flattened with part ids s0, s1, … so the simulator runs on it
    /// unchanged. A role's sub-package spans every part holding the role, with the board links among them.
    /// </summary>
    public static ComposedPackage ComposeSystem(string name, IReadOnlyList<ComposedPackage> parts, DieToDieSpec boardLink)
    {
        if (parts.Count < 2)
            throw new TesseraInputException($"system {name}: {parts.Count} package(s); expected at least two (one package is composed by Compose)");
        var ids = parts.Select((_, i) => $"s{i}").ToList();
        var flat = new SystemNode(name, parts.Select((p, i) => new SystemChild(ids[i], p.Package, i, 0)),
            Topologies.ToLinks(ids.Zip(ids.Skip(1)), boardLink.BandwidthBytesPerSecond, boardLink.EnergyPerBitPj, boardLink.LatencySeconds)).Flatten();
        var groups = parts.SelectMany(p => p.Groups).DistinctBy(g => g.Role).ToImmutableArray();
        var subPackages = groups.ToImmutableDictionary(g => g.Role, g =>
        {
            var own = parts.SelectMany((p, i) => p.GroupPackages.TryGetValue(g.Role, out var sub)
                ? sub.Chiplets.Select(c => $"{ids[i]}/{c.Id}").Concat(sub.Memories.Select(m => $"{ids[i]}/{m.Id}")) : []).ToHashSet(StringComparer.Ordinal);
            return new Package($"{name}/{g.Role}", flat.Chiplets.Where(c => own.Contains(c.Id)), flat.Memories.Where(m => own.Contains(m.Id)),
                flat.Links.Where(l => own.Contains(l.From) && own.Contains(l.To)), name);
        }, StringComparer.Ordinal);
        return new ComposedPackage(name, flat, parts[0].Topology, groups, subPackages, parts[0].Cost, parts[0].Floorplan)
        {
            Parts = [.. parts], SystemCost = new SystemCost(name, [.. parts.Select((p, i) => (ids[i], p.Cost))]),
        };
    }

    /// <summary>Whole modules of a memory type that hold the bytes, at least one per chiplet of the group.</summary>
    public static int ModulesFor(TechnologyLibrary t, string memoryType, double bytes, int chiplets) =>
        Math.Max(chiplets, (int)Math.Ceiling(bytes / t.Dram(memoryType).CapacityBytes));

    internal readonly record struct Slot(int Group, int Index, int X, int Y);

    /// <summary>Chiplet positions (group order, then index), grid-neighbour pairs (slot indices) and each group's memory hosts.</summary>
    internal sealed record Layout(List<Slot> Slots, List<(int A, int B)> Pairs, List<int>[] Hosts)
    {
        /// <summary>The slot hosting module m of group g: round robin over the group's hosts.</summary>
        public int Host(int g, int m) => Hosts[g][m % Hosts[g].Count];
    }

    internal static Layout Place(string name, IReadOnlyList<ChipletGroup> groups, PackageTopology topology)
    {
        Check(name, groups);
        var slots = new List<Slot>();
        int left = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            // Blocks: near-square, so a group's sub-package is connected; Pipeline: one column per group.
            int width = topology == PackageTopology.Blocks ? (int)Math.Ceiling(Math.Sqrt(groups[g].Count)) : 1;
            for (int i = 0; i < groups[g].Count; i++) slots.Add(new Slot(g, i, left + i % width, i / width));
            left += width;
        }
        int gridWidth = left, height = slots.Max(s => s.Y) + 1;
        var at = new Dictionary<(int, int), int>();
        for (int i = 0; i < slots.Count; i++) at[(slots[i].X, slots[i].Y)] = i;
        var pairs = new List<(int, int)>();
        for (int i = 0; i < slots.Count; i++)
        {
            if (at.TryGetValue((slots[i].X + 1, slots[i].Y), out var right)) pairs.Add((i, right));
            if (at.TryGetValue((slots[i].X, slots[i].Y + 1), out var below)) pairs.Add((i, below));
        }
        bool Edge(Slot s) => s.X == 0 || s.Y == 0 || s.X == gridWidth - 1 || s.Y == height - 1;
        var hosts = groups.Select(_ => new List<int>()).ToArray();
        foreach (var edge in new[] { true, false })
            for (int i = 0; i < slots.Count; i++)
                if (Edge(slots[i]) == edge) hosts[slots[i].Group].Add(i);
        return new Layout(slots, pairs, hosts);
    }

    private static void Check(string name, IReadOnlyList<ChipletGroup> groups)
    {
        if (groups.Count == 0)
            throw new TesseraInputException($"package {name}: no chiplet groups");
        foreach (var g in groups)
            if (g.Count <= 0 || g.MemoryModules <= 0)
                throw new TesseraInputException($"package {name}: group {g.Role} has {g.Count} chiplet(s) and {g.MemoryModules} memory module(s); expected positive counts");
        if (groups.GroupBy(g => g.Role, StringComparer.Ordinal).FirstOrDefault(r => r.Count() > 1) is { } twice)
            throw new TesseraInputException($"package {name}: role '{twice.Key}' is used by two groups; expected one group per role");
    }
}

/// <summary>
/// The cost of a composition without building its <see cref="Package"/> (no routes, no floorplan): the same layout,
/// PHY counts and <see cref="CostModel"/> rules as <see cref="PackageComposer.Compose"/>, fast enough for a search that
/// prices thousands of candidate packages. Each design's dies and NRE are computed once per PHY configuration.
/// Thread-safe.
/// </summary>
public sealed class PackagePricer(TechnologyLibrary t, CostOptions options)
{
    private readonly ConcurrentDictionary<(string Design, string Memory, int Modules, int Links), ChipletCost> _designs = new();
    private readonly ConcurrentDictionary<string, MemoryCost> _modules = new(StringComparer.Ordinal);

    /// <summary>
    /// What <see cref="PackageComposer.Compose"/> would charge for these groups; <paramref name="sharing"/> gives the
    /// products sharing each design's NRE (the options' <see cref="CostOptions.ProductsSharing"/> where absent).
    /// </summary>
    public PackageCost Price(string name, IReadOnlyList<ChipletGroup> groups, PackageTopology topology,
        ImmutableDictionary<string, int>? sharing = null)
    {
        var layout = PackageComposer.Place(name, groups, topology);
        var modules = new int[layout.Slots.Count];
        var links = new int[layout.Slots.Count];
        for (int g = 0; g < groups.Count; g++)
            for (int m = 0; m < groups[g].MemoryModules; m++) modules[layout.Host(g, m)]++;
        foreach (var (a, b) in layout.Pairs) (links[a], links[b]) = (links[a] + 1, links[b] + 1);
        var chiplets = new List<ChipletCost>();
        foreach (var design in Enumerable.Range(0, layout.Slots.Count).GroupBy(i => groups[layout.Slots[i].Group].Candidate.Name, StringComparer.Ordinal))
        {
            var instances = design.ToList();
            var (busiest, d2d) = CostModel.BusiestInstance([.. instances.Select(i => (modules[i], links[i]))]);
            var host = groups[layout.Slots[instances[busiest]].Group];
            var cost = _designs.GetOrAdd((design.Key, host.MemoryType, modules[instances[busiest]], d2d), key =>
                CostModel.Chiplet(t, host.Candidate.Chiplet, 1,
                    CostModel.Area(t, host.Candidate.Chiplet, [.. Enumerable.Repeat(key.Memory, key.Modules)], key.Links, options.Packaging), options));
            chiplets.Add(cost with { Instances = instances.Count });
        }
        var memories = groups.SelectMany(g => Enumerable.Repeat(_modules.GetOrAdd(g.MemoryType, type =>
            CostModel.Memory(t, HardwareDefaults.Device(t, type, type))), g.MemoryModules));
        return CostModel.Assemble(t, name, chiplets, memories, sharing is null ? options : options with { SharingByDesign = sharing });
    }
}
