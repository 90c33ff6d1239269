using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Economics;
using Tessera.Hardware;
using Tessera.Scoring;
using Tessera.Technology;

namespace Tessera.Ecosystem;

/// <summary>
/// One off-chip memory type a fusion-group boundary can use (Mozart's memory table in the library), with the price of
/// one module from <see cref="CostModel.Memory"/>.
/// </summary>
public sealed record MemoryOption(string Type, double BandwidthBytesPerSecond, double EnergyPerBitPj, long ModuleBytes, double ModuleUsd)
{
    /// <summary>Memory is bought in whole modules (at least one).</summary>
    public int Modules(double bytes) => Math.Max(1, (int)Math.Ceiling(bytes / ModuleBytes));

    /// <summary>Cost of the modules holding <paramref name="bytes"/>.</summary>
    public double CostUsd(double bytes) => Modules(bytes) * ModuleUsd;

    /// <summary>Mozart's five memory types.</summary>
    public static ImmutableArray<MemoryOption> Mozart(TechnologyLibrary t) => [.. MozartTypes.Select(type => From(t, type))];

    /// <summary>The memory types of Mozart's table.</summary>
    public static ImmutableArray<string> MozartTypes { get; } = ["LPDDR5", "DDR5", "GDDR7", "HBM3", "HBM3E"];

    public static MemoryOption From(TechnologyLibrary t, string type)
    {
        var module = HardwareDefaults.Device(t, type, type);
        return new MemoryOption(module.Type, module.BandwidthBytesPerSecond, module.EnergyPerBitPj, module.CapacityBytes, CostModel.Memory(t, module).Usd);
    }

    /// <summary>
    /// Mozart's seed: the cheapest type whose bandwidth meets the roofline demand (bytes moved ÷ compute time); when
    /// none does, the one with the most bandwidth.
    /// </summary>
    public static int Cheapest(IReadOnlyList<MemoryOption> types, double capacityBytes, double bandwidthDemand)
    {
        int best = -1;
        for (int i = 0; i < types.Count; i++)
            if (types[i].BandwidthBytesPerSecond >= bandwidthDemand && (best < 0 || types[i].CostUsd(capacityBytes) < types[best].CostUsd(capacityBytes)))
                best = i;
        return best >= 0 ? best : Enumerable.Range(0, types.Count).MaxBy(i => types[i].BandwidthBytesPerSecond);
    }
}

/// <summary>Fusion groups (contiguous chain ranges) with a memory type index per group.</summary>
public sealed record FusionPlan(ImmutableArray<(int First, int Count)> Groups, ImmutableArray<int> Memories)
{
    public string Key => string.Join(',', Groups.Select((g, i) => $"{g.First}+{g.Count}:{Memories[i]}"));
}

/// <summary>
/// One pipeline stage of a BASIC: a fusion group on chiplet group <see cref="Group"/> of its package (a design with its
/// tensor parallelism and memory). Energy per inference: <see cref="DynamicJ"/> (compute, on-chip and off-chip memory)
/// and <see cref="LinkJ"/> (the stage's inputs crossing die-to-die links to each of its chiplets); leakage is charged
/// over the period by the package.
/// </summary>
public sealed record BasicStage(int First, int Count, ChipletCandidate Chiplet, int TensorParallel, string Memory,
    double LatencySeconds, double DynamicJ, double LinkJ, double LeakageW, double BufferDemandBytes, int Group)
{
    public string Design => Chiplet.Name;
}

/// <summary>
/// A bespoke package for one application (Mozart's BASIC), scored by the profile table: stage time budget (pipeline
/// period), energy per inference (dynamic + inter-chiplet bits + every chiplet's leakage over the period) and cost.
/// <see cref="Groups"/> is the hardware (one group per stage, laid out as a <see cref="PackageTopology.Pipeline"/>;
/// one group for a monolithic chip) and <see cref="Cost"/> its price; the objective charges <see cref="CostUsd"/>, the
/// part of it the <see cref="Basis"/> names.
/// </summary>
public sealed record BasicPackage(string Application, FusionPlan Plan, ImmutableArray<BasicStage> Stages, ImmutableArray<ChipletGroup> Groups,
    double PeriodSeconds, double EnergyJ, PackageCost Cost, CostBasis Basis)
{
    public double DelaySeconds => PeriodSeconds;

    /// <summary>The cost the objective charges: dies and memory (Mozart's search) or the all-in unit cost.</summary>
    public double CostUsd => Cost.Usd(Basis);

    /// <summary>Delay (the period), energy and the objective's cost.</summary>
    public Metrics Metrics => Metrics.Of(DelaySeconds, EnergyJ, CostUsd);

    public double EnergyCost => Metrics.EnergyCost!.Value;
    public double Edp => Metrics.Edp;
    public double Edcp => Metrics.Edcp!.Value;
    public double PowerW => EnergyJ / PeriodSeconds;
    public IEnumerable<string> Designs => Groups.Select(g => g.Candidate.Name).Distinct(StringComparer.Ordinal);

    public double Metric(Objective objective) => objective.Score(Metrics);

    /// <summary>The package with each design's NRE amortised over the given number of products (by design name).</summary>
    public BasicPackage SharedBy(ImmutableDictionary<string, int> products) =>
        this with { Cost = Cost with { Options = Cost.Options with { SharingByDesign = products } } };

    /// <summary>The package itself, costed under the options it was priced with and floorplanned: what is simulated.</summary>
    public ComposedPackage Compose(TechnologyLibrary t) =>
        PackageComposer.Compose(t, $"basic-{Application}", Groups, PackageTopology.Pipeline, Cost.Options);
}

/// <summary>Constraints on a package (null: none). Period is the stage time budget (1 / throughput).</summary>
public sealed record BasicConstraints(double? MaxPeriodSeconds = null, double? MaxPowerW = null, double? MaxDieAreaMm2 = null,
    double? MaxCostUsd = null);

/// <summary>
/// BASIC search settings; every default comes from the technology library (ecosystem.*). Mutation is the expected
/// number of mutated cut genes (and memory genes) per child. <see cref="Cost"/> prices the packages (profile, packaging,
/// volume, NRE model); <see cref="Basis"/> says which part of that price the objective charges to one application.
/// </summary>
public sealed record BasicOptions(Objective Objective, int Population, int Generations, double Mutation, int MaxTensorParallel,
    CostOptions Cost, int Seed, BasicConstraints Constraints, CostBasis Basis = CostBasis.DiesAndMemory)
{
    public static BasicOptions Default(TechnologyLibrary t, Objective? objective = null, int seed = 1, CostProfile? profile = null) =>
        new(objective ?? Objective.EnergyCost, (int)t.Value("ecosystem.basic_population"), (int)t.Value("ecosystem.basic_generations"),
            t.Value("ecosystem.basic_mutation"), (int)t.Value("ecosystem.max_tensor_parallel"),
            CostOptions.Default(t) with { Profile = profile ?? CostProfile.Default }, seed, new BasicConstraints());
}

/// <summary>
/// NRE and packaging of a fleet of products, reported beside Mozart's per-application objective (which leaves them
/// out): each distinct design's NRE once (once per product when designs are not reused), each product's NRE once,
/// over every unit of every product; and the mean packaging with its yield loss per unit.
/// </summary>
public sealed record FleetCost(string Fleet, int Designs, double DesignNreUsd, int Products, double ProductNreUsd, double Units,
    double PackagingPerUnitUsd)
{
    public double NrePerUnitUsd => (DesignNreUsd + ProductNreUsd) / Units;

    /// <summary>The fleet of these packages (one product each, <paramref name="volume"/> units per product).</summary>
    public static FleetCost Of(string fleet, IReadOnlyList<BasicPackage?> packages, bool reuse, long volume)
    {
        var built = packages.OfType<BasicPackage>().ToList();
        var designs = built.SelectMany((p, i) => p.Cost.Chiplets.Select(c => (Key: reuse ? c.Design : $"{i}:{c.Design}", c.Nre.TotalUsd)))
            .GroupBy(d => d.Key, StringComparer.Ordinal).Select(g => g.Max(d => d.TotalUsd)).ToList();
        return new FleetCost(fleet, designs.Count, designs.Sum(), built.Count, built.Sum(p => p.Cost.ProductNreUsd), (double)built.Count * volume,
            built.Count == 0 ? 0 : built.Average(p => p.Cost.PackagingUsd + p.Cost.YieldLossUsd));
    }
}
