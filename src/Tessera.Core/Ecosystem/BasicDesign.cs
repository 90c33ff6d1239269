using Tessera.Scoring;
using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Technology;

namespace Tessera.Ecosystem;

/// <summary>One off-chip memory type a fusion-group boundary can use (Mozart's memory table in the library).</summary>
public sealed record MemoryOption(string Type, double BandwidthBytesPerSecond, double EnergyPerBitPj, long ModuleBytes, double CostPerGbUsd)
{
    private const double BytesPerGb = 1024.0 * 1024 * 1024;

    /// <summary>Memory is bought in whole modules (at least one).</summary>
    public int Modules(double bytes) => Math.Max(1, (int)Math.Ceiling(bytes / ModuleBytes));

    /// <summary>Cost of the modules holding <paramref name="bytes"/>.</summary>
    public double CostUsd(double bytes) => Modules(bytes) * (ModuleBytes / BytesPerGb) * CostPerGbUsd;

    /// <summary>Mozart's five memory types.</summary>
    public static ImmutableArray<MemoryOption> Mozart(TechnologyLibrary t) => [.. MozartTypes.Select(type => From(t, type))];

    /// <summary>The memory types of Mozart's table.</summary>
    public static ImmutableArray<string> MozartTypes { get; } = ["LPDDR5", "DDR5", "GDDR7", "HBM3", "HBM3E"];

    public static MemoryOption From(TechnologyLibrary t, string type)
    {
        var spec = t.Dram(type);
        return new MemoryOption(spec.Type, spec.BandwidthBytesPerSecond, spec.EnergyPerBitPj, spec.CapacityBytes,
            spec.CostPerGbUsd ?? throw new TesseraInputException($"memory type '{type}' has no cost_per_gb in the technology library"));
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
/// One pipeline stage of a BASIC: a fusion group on a chiplet design with its tensor parallelism and memory
/// (<see cref="MemoryModules"/> whole modules per chiplet, as costed).
/// </summary>
public sealed record BasicStage(int First, int Count, int Candidate, string Design, int TensorParallel, string Memory,
    double LatencySeconds, double DynamicJ, double LeakageW, double BufferDemandBytes, int MemoryModules = 1);

/// <summary>Unit cost of a package: dies, packaging with its yield loss, memory, and NRE per unit.</summary>
public sealed record BasicCost(double DiesUsd, double PackagingUsd, double MemoryUsd, double NrePerUnitUsd)
{
    public double TotalUsd => DiesUsd + PackagingUsd + MemoryUsd + NrePerUnitUsd;
}

/// <summary>
/// A bespoke package for one application (Mozart's BASIC), scored by the profile table: stage time budget (pipeline
/// period), energy per inference (dynamic + every chiplet's leakage over the period), cost per unit and the metrics.
/// </summary>
public sealed record BasicPackage(string Application, FusionPlan Plan, ImmutableArray<BasicStage> Stages, double PeriodSeconds,
    double EnergyJ, BasicCost Cost)
{
    public double DelaySeconds => PeriodSeconds;

    /// <summary>Delay (the period), energy and cost per unit.</summary>
    public Metrics Metrics => Metrics.Of(DelaySeconds, EnergyJ, Cost.TotalUsd);

    public double EnergyCost => Metrics.EnergyCost!.Value;
    public double Edp => Metrics.Edp;
    public double Edcp => Metrics.Edcp!.Value;
    public double PowerW => EnergyJ / PeriodSeconds;
    public IEnumerable<string> Designs => Stages.Select(s => s.Design).Distinct(StringComparer.Ordinal);

    public double Metric(Objective objective) => objective.Score(Metrics);
}

/// <summary>Constraints on a package (null: none). Period is the stage time budget (1 / throughput).</summary>
public sealed record BasicConstraints(double? MaxPeriodSeconds = null, double? MaxPowerW = null, double? MaxDieAreaMm2 = null,
    double? MaxCostUsd = null);

/// <summary>
/// BASIC search settings; every default comes from the technology library (ecosystem.*). Mutation is the expected
/// number of mutated cut genes (and memory genes) per child.
/// </summary>
public sealed record BasicOptions(Objective Objective, int Population, int Generations, double Mutation, int MaxTensorParallel,
    long Volume, int Seed, BasicConstraints Constraints)
{
    public static BasicOptions Default(TechnologyLibrary t, Objective? objective = null, int seed = 1) =>
        new(objective ?? Objective.EnergyCost, (int)t.Value("ecosystem.basic_population"), (int)t.Value("ecosystem.basic_generations"),
            t.Value("ecosystem.basic_mutation"), (int)t.Value("ecosystem.max_tensor_parallel"),
            (long)t.Value("manufacturing.default_volume"), seed, new BasicConstraints());
}
