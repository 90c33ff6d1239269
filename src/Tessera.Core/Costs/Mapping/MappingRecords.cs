using System.Collections.Immutable;
using Tessera.Hardware;
using Tessera.Scoring;
using Tessera.Workloads;

namespace Tessera.Costs.Mapping;

/// <summary>One loop dimension unrolled on one array axis; <see cref="Factor"/> is clipped to the loop size.</summary>
public sealed record SpatialFactor(string Axis, string Dimension, int Requested, int Factor);

/// <summary>The spatial part of a mapping: the core's dataflow applied to one loop nest.</summary>
public sealed record SpatialMapping(ImmutableArray<SpatialFactor> Factors, double Utilisation)
{
    /// <summary>Product of the unrolled factors of a dimension (1 when not unrolled).</summary>
    public long FactorOf(string dimension) =>
        Factors.Where(f => f.Dimension == dimension).Aggregate(1L, (p, f) => p * f.Factor);

    /// <summary>A dataflow on a loop nest: each factor clipped to what its dimension has left after earlier axes took theirs.</summary>
    public static ImmutableArray<SpatialFactor> Unroll(LoopNest nest, SpatialUnrolling dataflow)
    {
        ArgumentNullException.ThrowIfNull(nest);
        ArgumentNullException.ThrowIfNull(dataflow);
        var taken = new Dictionary<string, long>(StringComparer.Ordinal);
        var factors = ImmutableArray.CreateBuilder<SpatialFactor>();
        foreach (var axis in dataflow.For(nest))
            foreach (var (dimension, factor) in axis.Factors)
            {
                int clipped = 1;
                if (nest.Sizes.TryGetValue(dimension, out var size))
                {
                    long done = taken.GetValueOrDefault(dimension, 1);
                    clipped = (int)Math.Min(factor, (size + done - 1) / done);
                    taken[dimension] = done * clipped;
                }
                factors.Add(new SpatialFactor(axis.Axis, dimension, factor, clipped));
            }
        return factors.ToImmutable();
    }
}

/// <summary>One temporal loop: a dimension and how many iterations this loop runs.</summary>
public sealed record TemporalLoop(string Dimension, long Factor);

/// <summary>
/// For one operand, the memory levels that hold it (innermost first, the off-chip level last) and how many of the
/// temporal loops (counted from the innermost) sit at or below each level.
/// </summary>
public sealed record OperandAllocation(OperandRole Operand, ImmutableArray<string> Levels, ImmutableArray<int> LoopsBelow);

/// <summary>The temporal mapping: loops innermost first and each operand's allocation of them to levels.</summary>
public sealed record TemporalMapping(ImmutableArray<TemporalLoop> Loops, ImmutableArray<OperandAllocation> Allocations);

/// <summary>Reads and writes of one operand at one level, in elements and in bits, and their energy.</summary>
public sealed record LevelAccess(string Level, OperandRole Operand, double Reads, double Writes, double ReadBits, double WriteBits, double EnergyPj);

/// <summary>What one instance of a level holds, against its capacity; double-buffered when every operand there is.</summary>
public sealed record LevelFootprint(string Level, double Bits, long CapacityBits, int Instances, bool DoubleBuffered);

/// <summary>Stall (positive) or slack (negative) cycles of one memory port over the operator, its movements combined.</summary>
public sealed record PortStall(string Level, string Port, double StallCycles);

/// <summary>
/// The latency of one mapping as ZigZag's model defines it: <see cref="TemporalCycles"/> (the temporal loops' product,
/// times an IMC macro's bit-serial cycles per step: the ideal cycles <see cref="IdealCycles"/> = MACs ÷ PEs (× cycles per
/// step) plus what the spatial unrolling leaves idle), the worst
/// port's <see cref="StallCycles"/> (<see cref="StallPort"/>; every port in <see cref="Ports"/>), the first tiles'
/// <see cref="OnloadCycles"/> and the last output tile's <see cref="OffloadCycles"/>.
/// </summary>
public sealed record LatencyBreakdown(double IdealCycles, double TemporalCycles, double StallCycles, string StallPort,
    double OnloadCycles, double OffloadCycles, ImmutableArray<PortStall> Ports)
{
    public double TotalCycles => TemporalCycles + StallCycles + OnloadCycles + OffloadCycles;

    /// <summary>Cycles the spatial unrolling leaves PEs idle: temporal − ideal.</summary>
    public double SpatialIdleCycles => TemporalCycles - IdealCycles;
}

/// <summary>
/// The chosen mapping with its accesses, footprints, latency terms and how the search found it; on an IMC core also the
/// macro's energy by component (<see cref="Imc"/>).
/// </summary>
public sealed record MappingDetails(
    SpatialMapping Spatial,
    TemporalMapping Temporal,
    ImmutableArray<LevelAccess> Accesses,
    ImmutableArray<LevelFootprint> Footprints,
    LatencyBreakdown Latency,
    Objective Objective,
    int MappingsEvaluated,
    bool Exhaustive)
{
    public ImcEnergy? Imc { get; init; }
}

/// <summary>
/// ZigZag's rule for what stays on chip between layers (its default flow, which its published test values use). A
/// layer's inputs (when <see cref="Inputs"/>) and outputs (when <see cref="Outputs"/>) stay in the innermost level that
/// holds both and fits both whole; weights stay in the innermost level serving the whole array that fits
/// <see cref="WorkloadWeightBits"/>, all the weights of the workload. <see cref="Of"/> sets the flags per layer.
/// </summary>
public sealed record Residency(bool Inputs, bool Outputs, long WorkloadWeightBits)
{
    /// <summary>
    /// Per MAC layer: outputs may stay unless the layer starts or ends a branch (its result feeds several MAC layers, or
    /// one that also reads another's), since those go through the top memory (the last layer's may stay); inputs stay when the producing MAC
    /// layer's outputs may, and the first layer's input may. Layers without MACs are skipped over, as ZigZag does.
    /// </summary>
    public static IReadOnlyDictionary<string, Residency> Of(ModelGraph graph)
    {
        var macs = graph.Operators.OfType<ComputeOperator>().ToList();
        long weights = macs.Sum(op => op.Nest.Operands.Where(o => o.Role == OperandRole.Weight).Sum(o => op.Nest.UniqueBits(o)));
        // MAC layers reached from an operator through non-MAC ones, and those reaching it.
        List<ComputeOperator> Next(Operator op) => [.. graph.Successors(op).SelectMany(s => s is ComputeOperator c ? [c] : Next(s)).Distinct()];
        var previous = macs.ToDictionary(op => op.Name, _ => new List<ComputeOperator>());
        foreach (var op in macs)
            foreach (var n in Next(op))
                previous[n.Name].Add(op);
        var outputs = macs.ToDictionary(op => op.Name, op =>
        {
            var next = Next(op);
            return next.Count == 0 || (next.Count == 1 && previous[next[0].Name].Count == 1);
        });
        return macs.ToDictionary(op => op.Name, op => new Residency(
            previous[op.Name].Count == 0 || outputs[previous[op.Name][0].Name], outputs[op.Name], weights));
    }
}

/// <summary>
/// Search settings. Orderings of the loops' prime factors are enumerated when there are at most
/// <see cref="EnumerationLimit"/> distinct ones (factors are merged until that holds, as LOMA's limit on loop prime
/// factors does), then <see cref="RandomSamples"/> random orderings of the unmerged factors are drawn with
/// <see cref="Seed"/> (as Timeloop's random mapper does). With <see cref="AllAllocations"/> every allocation of
/// loops to levels is tried instead of the greedy bottom-up fill, which makes small searches truly exhaustive. With
/// <see cref="Residency"/> operands that fit stay on chip (ZigZag's data-locality rule) instead of coming from off chip.
/// With <see cref="ZigZagImcLatency"/> an IMC core's memory transfers are timed as ZigZag-IMC does, against periods of
/// MAC steps rather than of the cycles a bit-serial step takes (<see cref="ZigZagImcCostModel"/>).
/// </summary>
public sealed record MappingSearchOptions(
    Objective? Objective = null,
    int EnumerationLimit = 5040,
    int RandomSamples = 2000,
    int Seed = 1,
    bool AllAllocations = false,
    Residency? Residency = null,
    bool ZigZagImcLatency = false)
{
    /// <summary>
    /// What the search minimises, EDP unless given: latency, energy or edp (ec and edcp rank like energy and edp on
    /// one core, whose cost does not depend on the mapping).
    /// </summary>
    public Objective Objective { get; init; } = (Objective ?? Objective.Edp).AtFixedCost()
        .Require("the mapping search", Objective.Latency, Objective.Energy, Objective.Edp);

    public static readonly MappingSearchOptions Default = new();
}
