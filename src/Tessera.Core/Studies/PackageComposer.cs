using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Ecosystem;
using Tessera.Floorplanning;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Chiplets;

namespace Tessera.Studies;

/// <summary>A chiplet design named in a study file: a Mozart template (ws, os, rs) with its knobs.</summary>
public sealed record ChipletSpec(string Name, string Template, int WidthScale, int HeightScale, int BufferMultiplier)
{
    /// <summary>The candidate (chiplet, die area, die cost) from <see cref="CandidateGenerator"/> at the ecosystem node.</summary>
    public ChipletCandidate Create(TechnologyLibrary t)
    {
        var template = ChipletTemplate.Mozart(t).FirstOrDefault(x => string.Equals(x.Abbreviation, Template.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new TesseraInputException($"design '{Name}': template '{Template}'; expected ws, os or rs");
        return CandidateGenerator.Create(t, template, WidthScale, HeightScale, BufferMultiplier, t.NodeFrom("ecosystem.node"));
    }
}

/// <summary>
/// Chiplets of one design that do one job in a package (prefill, decode, draft, backbone …): how many, and the
/// off-chip memory they own (type and whole modules, spread over the group's chiplets).
/// </summary>
public sealed record ChipletGroup(string Role, string DesignName, ChipletCandidate Candidate, int Count, string MemoryType, int MemoryModules)
{
    /// <summary>"4× os-128x128-gb32MiB-14nm + 2 HBM3".</summary>
    public string Describe() => $"{Count}× {DesignName} + {MemoryModules} {MemoryType}";

    /// <summary>Identity of the group's hardware (not its role): equal keys simulate alike.</summary>
    public string HardwareKey => $"{Candidate.Name}×{Count}+{MemoryModules}{MemoryType}";
}

/// <summary>A composed package: the whole package and one sub-package per group, its cost and its floorplan.</summary>
public sealed record ComposedPackage(string Name, Package Package, ImmutableArray<ChipletGroup> Groups,
    ImmutableDictionary<string, Package> GroupPackages, PackageCost Cost, Floorplan Floorplan)
{
    public bool Legal => Floorplan.Legal;
    public double CostUsd => Cost.TotalUsd;

    /// <summary>Silicon area of every die in the package (mm²).</summary>
    public double DieAreaMm2 => Cost.Chiplets.Sum(c => c.Instances * c.Area.TotalMm2);

    public string Describe() => string.Join(" | ", Groups.Select(g => $"{g.Role}: {g.Describe()}"));

    /// <summary>The sub-package of one role: its chiplets, their memories and the links among them.</summary>
    public Package Of(string role) => GroupPackages.TryGetValue(role, out var p) ? p
        : throw new InvalidOperationException($"package {Name} has no group '{role}'");

    public ChipletGroup Group(string role) => Groups.First(g => g.Role == role);
}

/// <summary>
/// Builds study packages: each group's chiplets fill a near-square block (row by row), blocks side by side, joined as a mesh of
/// UCIe-advanced links on a 2.5D interposer; each group's memory modules hang off its own chiplets (round robin,
/// edge chiplets first, as DRAM PHYs sit on a die's shoreline). Cost comes from <see cref="CostModel"/>, legality from
/// <see cref="Floorplanner"/>; the studies evaluate only legal packages (<see cref="LegalityGate"/>) and report the
/// others with their violations (docs/studies.md).
/// </summary>
public static class PackageComposer
{
    public const string DieToDieKind = "ucie-advanced";

    public static ComposedPackage Compose(TechnologyLibrary t, string name, IReadOnlyList<ChipletGroup> groups, CostOptions options)
    {
        if (groups.Count == 0)
            throw new TesseraInputException($"package {name}: no chiplet groups");
        foreach (var g in groups)
            if (g.Count <= 0 || g.MemoryModules <= 0)
                throw new TesseraInputException($"package {name}: group {g.Role} has {g.Count} chiplet(s) and {g.MemoryModules} memory module(s); expected positive counts");
        var link = t.DieToDie(DieToDieKind);

        // Each group is its own near-square block (so its sub-package is connected); blocks sit side by side.
        var placed = new List<(ChipletInstance Chiplet, string Role)>();
        int left = 0;
        foreach (var g in groups)
        {
            int blockWidth = (int)Math.Ceiling(Math.Sqrt(g.Count));
            for (int i = 0; i < g.Count; i++)
                placed.Add((new ChipletInstance($"{g.Role}{i}", g.Candidate.Chiplet, left + i % blockWidth, i / blockWidth), g.Role));
            left += blockWidth;
        }
        int width = left, height = placed.Max(p => p.Chiplet.Y) + 1;
        var at = placed.ToDictionary(p => (p.Chiplet.X, p.Chiplet.Y), p => p.Chiplet.Id);
        var pairs = new List<(string, string)>();
        foreach (var (c, _) in placed)
        {
            if (at.TryGetValue((c.X + 1, c.Y), out var right)) pairs.Add((c.Id, right));
            if (at.TryGetValue((c.X, c.Y + 1), out var below)) pairs.Add((c.Id, below));
        }
        var meshLinks = Topologies.ToLinks(pairs, link.BandwidthBytesPerSecond, link.EnergyPerBitPj, link.LatencySeconds);

        bool Edge(ChipletInstance c) => c.X == 0 || c.Y == 0 || c.X == width - 1 || c.Y == height - 1;
        var memories = new List<(MemoryDevice Device, Link Link, string Role)>();
        foreach (var g in groups)
        {
            var hosts = placed.Where(p => p.Role == g.Role).Select(p => p.Chiplet).OrderBy(c => Edge(c) ? 0 : 1).ToList();
            for (int m = 0; m < g.MemoryModules; m++)
            {
                var host = hosts[m % hosts.Count];
                var device = HardwareDefaults.Device(t, $"{g.Role}-mem{m}", g.MemoryType);
                memories.Add((device, HardwareDefaults.MemoryLink(device, host.Id), g.Role));
            }
        }
        var package = new Package(name, placed.Select(p => p.Chiplet), memories.Select(m => m.Device),
            [.. meshLinks, .. memories.Select(m => m.Link)], name);

        var subPackages = ImmutableDictionary.CreateBuilder<string, Package>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            var ids = placed.Where(p => p.Role == g.Role).Select(p => p.Chiplet.Id).ToHashSet(StringComparer.Ordinal);
            var own = memories.Where(m => m.Role == g.Role).ToList();
            ids.UnionWith(own.Select(m => m.Device.Id));
            subPackages[g.Role] = new Package($"{name}/{g.Role}", placed.Where(p => p.Role == g.Role).Select(p => p.Chiplet),
                own.Select(m => m.Device), package.Links.Where(l => ids.Contains(l.From) && ids.Contains(l.To)), name);
        }
        var cost = CostModel.Evaluate(t, package, options);
        var floorplan = Floorplanner.Plan(t, package, options.Packaging);
        return new ComposedPackage(name, package, [.. groups], subPackages.ToImmutable(), cost, floorplan);
    }

    /// <summary>Whole modules of a memory type that hold the bytes, at least one per chiplet of the group.</summary>
    public static int ModulesFor(TechnologyLibrary t, string memoryType, double bytes, int chiplets) =>
        Math.Max(chiplets, (int)Math.Ceiling(bytes / t.Dram(memoryType).CapacityBytes));
}
