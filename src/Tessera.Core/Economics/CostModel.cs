using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Technology;

namespace Tessera.Economics;

/// <summary>How the chiplets of a package are integrated.</summary>
public enum Packaging
{
    /// <summary>Organic substrate (MCM), C4 bumps.</summary>
    Organic2D,

    /// <summary>Silicon interposer on an organic substrate, micro-bumps, chip-last assembly.</summary>
    Interposer25D,
}

/// <summary>Which published NRE model prices a chiplet design.</summary>
public enum NreModel
{
    /// <summary>Mozart's 16 nm breakdown scaled by its per-node totals (default).</summary>
    Mozart,

    /// <summary>Chiplet Actuary: NRE of a 300 mm² chip by node, 80 % ∝ area, 20 % fixed.</summary>
    ChipletActuary,
}

/// <summary>What a cost evaluation assumes: integration, volume per product, reuse of the designs, NRE and cost models.</summary>
public sealed record CostOptions(Packaging Packaging, long Volume, int ProductsSharing = 1, NreModel Nre = NreModel.Mozart)
{
    /// <summary>How dies and packages are priced (<see cref="CostProfile.Default"/> unless set).</summary>
    public CostProfile Profile { get; init; } = CostProfile.Default;

    /// <summary>Products sharing a design's NRE, by design name, where it differs from <see cref="ProductsSharing"/> (a pool of designs).</summary>
    public ImmutableDictionary<string, int> SharingByDesign { get; init; } = ImmutableDictionary<string, int>.Empty;

    /// <summary>How many products share this design's NRE.</summary>
    public int SharingOf(string design) => SharingByDesign.GetValueOrDefault(design, ProductsSharing);

    /// <summary>Options with the library's default volume.</summary>
    public static CostOptions Default(TechnologyLibrary technology, Packaging packaging = Packaging.Interposer25D) =>
        new(packaging, (long)technology.Value("manufacturing.default_volume"));
}

/// <summary>
/// Die area of a chiplet design split into what it is made of (mm²), the estimate; a design that states its area
/// (<see cref="StatedMm2"/>, a known die) is priced at that area instead.
/// </summary>
public sealed record DieArea(double PeArraysMm2, double SramMm2, double VectorUnitsMm2, double OverheadMm2,
    double MemoryInterfacesMm2, double DieToDiePhysMm2, int MemoryInterfaces, int DieToDieLinks, double? StatedMm2 = null)
{
    public double EstimatedMm2 => PeArraysMm2 + SramMm2 + VectorUnitsMm2 + OverheadMm2 + MemoryInterfacesMm2 + DieToDiePhysMm2;

    public double TotalMm2 => StatedMm2 ?? EstimatedMm2;
}

/// <summary>NRE of one chiplet design (USD).</summary>
/// <remarks>Mozart's model fills the breakdown; Chiplet Actuary's gives only a lump sum.</remarks>
public sealed record DesignNre(double MasksUsd, double IpUsd, double SoftwareUsd, double LabourUsd, double ValidationUsd,
    double LumpSumUsd = 0)
{
    public double TotalUsd => MasksUsd + IpUsd + SoftwareUsd + LabourUsd + ValidationUsd + LumpSumUsd;
}

/// <summary>One chiplet design of a package: its area, wafer economics, instance count and NRE.</summary>
public sealed record ChipletCost(string Design, string Node, int Instances, DieArea Area, DieEconomics Die, DesignNre Nre)
{
    /// <summary>Known-good dies of this design in one package (USD).</summary>
    public double DiesUsd => Instances * Die.CostPerGoodDieUsd;
}

/// <summary>
/// Packaging of one package (USD, mm²) and its assembly yield. <see cref="AssemblyUsd"/> is the $/mm² assembly charge,
/// <see cref="AssemblyMachineUsd"/> the placement and bonding machine time (CATCH; zero where a profile has none).
/// </summary>
public sealed record PackagingCost(
    Packaging Kind, double SubstrateAreaMm2, double SubstrateUsd, double InterposerAreaMm2, double InterposerUsd,
    double InterposerYield, double AssemblyUsd, double PackageYield, double AssemblyMachineUsd = 0)
{
    /// <summary>Substrate, known-good interposer and assembly (before the yield loss).</summary>
    public double TotalUsd => SubstrateUsd + InterposerUsd + AssemblyUsd + AssemblyMachineUsd;
}

/// <summary>Which parts of a package's cost an objective charges to one product.</summary>
public enum CostBasis
{
    /// <summary>
    /// Mozart's search: the known-good dies (each priced with its PHYs) and the memory modules. Packaging and NRE are
    /// fleet figures reported beside the objective.
    /// </summary>
    DiesAndMemory,

    /// <summary>Everything one unit costs: dies, packaging and its yield loss, memory, and NRE per unit.</summary>
    AllIn,
}

/// <summary>Memory modules bought for a package's memory devices.</summary>
public sealed record MemoryCost(string Device, string Type, double CapacityGb, double CostPerGbUsd)
{
    public double Usd => CapacityGb * CostPerGbUsd;
}

/// <summary>
/// Cost of one package at a volume: dies, packaging, yield loss (known-good dies and packaging scrapped by failed
/// assembly), memory, and NRE per unit. <see cref="TotalUsd"/> is the sum of the parts.
/// </summary>
public sealed record PackageCost(
    string Package, CostOptions Options, ImmutableArray<ChipletCost> Chiplets, PackagingCost Packaging,
    ImmutableArray<MemoryCost> Memories, double ProductNreUsd)
{
    public double DiesUsd => Chiplets.Sum(c => c.DiesUsd);
    public double PackagingUsd => Packaging.TotalUsd;

    /// <summary>Chip-last: a failed assembly scraps its known-good dies and packaging; good packages pay for them.</summary>
    public double YieldLossUsd => (DiesUsd + PackagingUsd) * (1 / Packaging.PackageYield - 1);

    public double MemoryUsd => Memories.Sum(m => m.Usd);

    /// <summary>Manufacturing cost of one good package with its memory.</summary>
    public double UnitCostUsd => DiesUsd + PackagingUsd + YieldLossUsd + MemoryUsd;

    /// <summary>NRE of all distinct designs and of the product.</summary>
    public double NreUsd => Chiplets.Sum(c => c.Nre.TotalUsd) + ProductNreUsd;

    /// <summary>Each design's NRE shared by the products reusing it, plus the product's own NRE, over the volume.</summary>
    public double NrePerUnitUsd =>
        (Chiplets.Sum(c => c.Nre.TotalUsd / Options.SharingOf(c.Design)) + ProductNreUsd) / Options.Volume;

    public double TotalUsd => UnitCostUsd + NrePerUnitUsd;

    /// <summary>The cost an objective charges to this product on the given basis.</summary>
    public double Usd(CostBasis basis) => basis == CostBasis.AllIn ? TotalUsd : DiesUsd + MemoryUsd;
}

/// <summary>
/// The cost of a system of packages: each package built and priced on its own (dies, packaging, assembly yield,
/// memory), and the NRE of the whole paid once per system product: each distinct chiplet design once (shared by the
/// products reusing it) and each distinct package design once, over the volume. The board, its sockets and the
/// off-package PHYs are not priced.
/// </summary>
public sealed record SystemCost(string System, ImmutableArray<(string Path, PackageCost Cost)> Packages)
{
    public CostOptions Options => Packages[0].Cost.Options;

    public double UnitCostUsd => Packages.Sum(p => p.Cost.UnitCostUsd);

    /// <summary>Each distinct chiplet design's NRE over the products sharing it.</summary>
    public double DesignNreUsd => Packages.SelectMany(p => p.Cost.Chiplets).DistinctBy(c => c.Design, StringComparer.Ordinal)
        .Sum(c => c.Nre.TotalUsd / Options.SharingOf(c.Design));

    /// <summary>Each distinct package design's product NRE (packages of one name are one design).</summary>
    public double ProductNreUsd => Packages.DistinctBy(p => p.Cost.Package, StringComparer.Ordinal).Sum(p => p.Cost.ProductNreUsd);

    public double NrePerUnitUsd => (DesignNreUsd + ProductNreUsd) / Options.Volume;

    public double TotalUsd => UnitCostUsd + NrePerUnitUsd;
}

/// <summary>Die area, wafer, packaging, memory and NRE costs of a package from the technology library.</summary>
public static class CostModel
{
    private const double Um2PerMm2 = 1e6;
    private const double BytesPerGb = 1024.0 * 1024 * 1024;

    /// <summary>
    /// Die area of a design: PE arrays, SRAMs (every copy of a per-PE buffer) and vector units times the routing overhead factor, plus one DRAM PHY
    /// and controller per memory interface and one die-to-die PHY per link. A stated Chiplet.AreaMm2 (a known die) is the area priced.
    /// </summary>
    public static DieArea Area(TechnologyLibrary t, Chiplet design, IReadOnlyList<string> memoryTypes, int dieToDieLinks,
        Packaging packaging)
    {
        var pe = design.Cores.Sum(c => c.Array.AreaMm2 > 0 ? c.Array.AreaMm2
            : c.Array.ProcessingElements * t.MacAreaUm2(t.PrecisionOf(c.Array.MacBits), design.TechnologyNode) / Um2PerMm2);
        var sram = design.Cores.Sum(c => c.Memories.Sum(m => m.AreaMm2 * LevelInstances(c, m)));
        var vector = design.Cores.Sum(c => c.Vector?.AreaMm2 ?? 0);
        var overhead = (pe + sram + vector) * (t.Value("die_area.logic_overhead_factor") - 1);
        var interfaces = memoryTypes.Sum(type => MemoryInterfaceMm2(t, type, packaging));
        var d2d = dieToDieLinks * t.Value("die_area.die_to_die_phy");
        if (design.AreaMm2 < 0 || !double.IsFinite(design.AreaMm2))
            throw new TesseraInputException($"chiplet '{design.Name}' states a die area of {design.AreaMm2} mm²; expected a positive finite area");
        return new DieArea(pe, sram, vector, overhead, interfaces, d2d, memoryTypes.Count, dieToDieLinks,
            design.AreaMm2 > 0 ? design.AreaMm2 : null);
    }

    /// <summary>Copies of a memory level in a core: one per position on the array axes it does not serve (per-PE buffers).</summary>
    public static long LevelInstances(Core core, MemoryLevel level) =>
        core.Array.Axes.Where(a => !level.ServedArrayAxes.Contains(a.Name)).Aggregate(1L, (p, a) => p * a.Size);

    /// <summary>DRAM PHY (×2D factor off an interposer) and controller area of one memory interface.</summary>
    public static double MemoryInterfaceMm2(TechnologyLibrary t, string type, Packaging packaging)
    {
        var spec = t.Dram(type);
        var factor = packaging == Packaging.Organic2D ? t.Value("die_area.dram_phy_2d_factor") : 1;
        var phy = $"dram.{spec.Type}.phy_area";
        return t.Contains(phy)
            ? t.Value(phy) * factor + t.Value("die_area.dram_controller")
            : t.Value("die_area.dram_interface_2_5d") * factor;
    }

    /// <summary>NRE of one chiplet design of the given area at a node.</summary>
    public static DesignNre Nre(TechnologyLibrary t, string node, double areaMm2, NreModel model)
    {
        var n = t.Node(node);
        const string b = "manufacturing.nre_breakdown_16nm";
        if (model == NreModel.ChipletActuary)
        {
            // Chiplet Actuary: per-module and per-chip shares scale with area (reference chip 300 mm²), the rest is fixed.
            var total = t.Si($"manufacturing.nre.{n}");
            var scaled = t.Value("manufacturing.nre_split.per_module") + t.Value("manufacturing.nre_split.per_chip");
            var share = scaled * areaMm2 / t.Value("manufacturing.nre_reference_area") + t.Value("manufacturing.nre_split.fixed");
            return new DesignNre(0, 0, 0, 0, 0, total * share);
        }
        var ratio = NodeRatio(t, n);
        return new DesignNre(t.Si($"{b}.masks") * ratio, t.Si($"{b}.ip") * ratio, t.Si($"{b}.software") * ratio,
            t.Si($"{b}.labour") * ratio, t.Si($"{b}.validation") * ratio);
    }

    /// <summary>
    /// Mozart's NRE of one product, paid once per product whatever its designs: the package design, and at 2.5D the
    /// interposer mask (a 2D package has no interposer to mask).
    /// </summary>
    public static double ProductNreUsd(TechnologyLibrary t, Packaging packaging) =>
        t.Si("manufacturing.nre_product.package_design")
        + (packaging == Packaging.Interposer25D ? t.Si("manufacturing.nre_product.interposer_mask") : 0);

    /// <summary>NRE at a node relative to 16 nm: Mozart's totals where it lists the node, else Chiplet Actuary's.</summary>
    private static double NodeRatio(TechnologyLibrary t, string node)
    {
        const string reference = "16nm";
        const string mozart = "manufacturing.nre_total_mozart";
        return t.Contains($"{mozart}.{node}")
            ? t.Value($"{mozart}.{node}") / t.Value($"{mozart}.{reference}")
            : t.Contains($"manufacturing.nre.{node}")
                ? t.Value($"manufacturing.nre.{node}") / t.Value($"manufacturing.nre.{reference}")
                : throw new TesseraInputException($"no NRE for node '{node}'; expected one of {string.Join(", ", t.Children("manufacturing.nre"))}");
    }

    /// <summary>Memory modules of a package priced by type ($/GB × module capacity).</summary>
    public static MemoryCost Memory(TechnologyLibrary t, MemoryDevice device)
    {
        var spec = t.Dram(device.Type);
        var perGb = spec.CostPerGbUsd
            ?? throw new TesseraInputException($"memory type '{spec.Type}' has no cost_per_gb in the technology library");
        return new MemoryCost(device.Id, spec.Type, device.CapacityBytes / BytesPerGb, perGb);
    }

    /// <summary>
    /// The PHYs a design carries: one mask set serves every instance, so the memory interfaces of its instance with the
    /// most of them (the first such) and the die-to-die links of its instance with the most links.
    /// </summary>
    public static (int MemoryInstance, int DieToDieLinks) BusiestInstance(IReadOnlyList<(int MemoryInterfaces, int DieToDieLinks)> instances)
    {
        int memory = 0, links = 0;
        for (int i = 0; i < instances.Count; i++)
        {
            if (instances[i].MemoryInterfaces > instances[memory].MemoryInterfaces) memory = i;
            links = Math.Max(links, instances[i].DieToDieLinks);
        }
        return (memory, links);
    }

    /// <summary>Each chiplet design of a package with its instance count and die area (PHYs of <see cref="BusiestInstance"/>).</summary>
    public static IEnumerable<(Chiplet Design, int Instances, DieArea Area)> DesignAreas(TechnologyLibrary t, Package package,
        Packaging packaging)
    {
        var memoryOf = package.Memories.ToDictionary(m => m.Id, m => m.Type, StringComparer.Ordinal);
        var chipletIds = package.Chiplets.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        // Each chiplet's memory types (in link order) and die-to-die link count, in one pass over the links.
        var memories = package.Chiplets.ToDictionary(c => c.Id, _ => new List<string>(), StringComparer.Ordinal);
        var links = package.Chiplets.ToDictionary(c => c.Id, _ => 0, StringComparer.Ordinal);
        foreach (var l in package.Links)
            foreach (var (end, other) in new[] { (l.From, l.To), (l.To, l.From) })
                if (chipletIds.Contains(end))
                {
                    if (memoryOf.TryGetValue(other, out var type)) memories[end].Add(type);
                    else if (chipletIds.Contains(other)) links[end]++;
                }
        foreach (var group in package.Chiplets.GroupBy(c => c.Design.Name, StringComparer.Ordinal))
        {
            var instances = group.ToList();
            var (busiest, d2d) = BusiestInstance([.. instances.Select(c => (memories[c.Id].Count, links[c.Id]))]);
            yield return (instances[0].Design, instances.Count, Area(t, instances[0].Design, memories[instances[busiest].Id], d2d, packaging));
        }
    }

    /// <summary>One design's dies on their wafer and its NRE, under the options' profile and NRE model.</summary>
    public static ChipletCost Chiplet(TechnologyLibrary t, Chiplet design, int instances, DieArea area, CostOptions options) =>
        new(design.Name, t.Node(design.TechnologyNode), instances, area, options.Profile.Die(t, design.Name, area.TotalMm2, design.TechnologyNode),
            Nre(t, design.TechnologyNode, area.TotalMm2, options.Nre));

    /// <summary>The cost of a package from its designs (with instance counts) and memory modules: packaging, yield loss and NRE added.</summary>
    public static PackageCost Assemble(TechnologyLibrary t, string package, IReadOnlyList<ChipletCost> chiplets, IEnumerable<MemoryCost> memories,
        CostOptions options)
    {
        if (options.Volume <= 0)
            throw new TesseraInputException($"volume {options.Volume}; expected a positive number of units");
        if (options.ProductsSharing <= 0 || options.SharingByDesign.Values.Any(n => n <= 0))
            throw new TesseraInputException($"products sharing {options.ProductsSharing}; expected at least 1");
        var dieAreas = chiplets.SelectMany(c => Enumerable.Repeat(c.Area.TotalMm2, c.Instances)).ToList();
        return new PackageCost(package, options, [.. chiplets], options.Profile.Package(t, dieAreas, options.Packaging), [.. memories],
            ProductNreUsd(t, options.Packaging));
    }

    /// <summary>Every package of a system priced on its own (<see cref="SystemCost"/>).</summary>
    public static SystemCost Evaluate(TechnologyLibrary t, SystemNode system, CostOptions options) =>
        new(system.Name, [.. system.Leaves().Select(leaf => (leaf.Path, Evaluate(t, leaf.Package, options)))]);

    /// <summary>The full cost of a package under the given options.</summary>
    public static PackageCost Evaluate(TechnologyLibrary t, Package package, CostOptions options) =>
        Assemble(t, package.Name, [.. DesignAreas(t, package, options.Packaging).Select(d => Chiplet(t, d.Design, d.Instances, d.Area, options))],
            package.Memories.Select(m => Memory(t, m)), options);
}
