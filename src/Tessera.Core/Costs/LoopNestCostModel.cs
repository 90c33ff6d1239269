using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Tessera.Costs.Mapping;
using Tessera.Hardware;
using Tessera.Scoring;
using Tessera.Workloads;

namespace Tessera.Costs;

/// <summary>
/// The analytical loop-nest model (ZigZag/Timeloop style): searches the best temporal mapping of an operator under the
/// core's spatial unrolling and reports its cycles, energy by level, accesses and footprint (see
/// <see cref="MappingEvaluator"/> for the rules). Results are memoised per model instance by the loop nest's shape
/// (dimensions, operand axes and bits), the core and the off-chip level, since networks repeat shapes.
/// </summary>
public sealed class LoopNestCostModel(MappingSearchOptions? options = null) : IOperatorCostModel
{
    private const double BitsPerByte = 8;
    private readonly ConcurrentDictionary<string, Lazy<SearchResult>> _searches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OperatorCost> _costs = new(StringComparer.Ordinal);

    public LoopNestCostModel() : this(null) { }

    public MappingSearchOptions Options { get; } = options ?? MappingSearchOptions.Default;

    public string Name => "loopnest";

    /// <summary>Bump the version when the rules change numbers, so cached profiles of the old rules are not reused.</summary>
    /// <remarks>
    /// 2: output-stationary and row-stationary axes unroll a GEMM's rows and output columns. 3: ZigZag's latency terms
    /// (per-port stall/slack, double-buffering rule, on-/off-loading), port allocations, partial-sum precision. 4: LOMA's
    /// per-operand allocation at shared levels, accumulating levels store partial sums, inferred unrollings chosen per
    /// layer with partial-sum widths.
    /// </remarks>
    public string Identity => $"loopnest-4|{Options}";

    /// <summary>Distinct (shape, core) pairs searched so far.</summary>
    public int CachedMappings => _searches.Count;

    /// <summary>
    /// Searches once per value key without level names (the same DRAM behind another name maps alike), then reports
    /// the found mapping with this call's level names.
    /// </summary>
    public OperatorCost Evaluate(LoopNest nest, Core core, MemoryLevel offChip) =>
        _costs.GetOrAdd(Key(nest, core, offChip, names: true), _ =>
        {
            var problem = new MappingProblem(nest, core, offChip, Options.Residency) { StepPeriods = Options.ZigZagImcLatency };
            var found = _searches.GetOrAdd(Key(nest, core, offChip, names: false),
                _ => new Lazy<SearchResult>(() => MappingSearch.Run(problem, Options))).Value;
            return Report(problem, found, Options.Objective);
        });

    /// <summary>Searches without the cache, e.g. with another objective or seed.</summary>
    public static OperatorCost Search(LoopNest nest, Core core, MemoryLevel offChip, MappingSearchOptions options,
        CancellationToken cancellation = default)
    {
        var problem = new MappingProblem(nest, core, offChip, options.Residency) { StepPeriods = options.ZigZagImcLatency };
        var result = MappingSearch.Run(problem, options, cancellation);
        return Report(problem, result, options.Objective);
    }

    private static OperatorCost Report(MappingProblem problem, SearchResult result, Objective objective)
    {
        if (!result.Score.Feasible)
            throw new Diagnostics.InfeasibleException(
                $"no mapping of {string.Join(" ", problem.DimNames.Zip(problem.Temporal, (d, t) => $"{d}{t}"))} fits the memories of core '{problem.Core.Name}'");
        var evaluator = new MappingEvaluator(problem);
        evaluator.SetOrdering(result.Dims, result.Factors);
        evaluator.SetCuts(result.Cuts);
        var score = evaluator.Evaluate();
        var (temporal, accesses, footprints, latency) = evaluator.Describe();

        double macPj = problem.ComputeEnergyPj;
        var offChipName = problem.Levels[problem.OffChip].Name;
        double offChipPj = accesses.Where(a => a.Level == offChipName).Sum(a => a.EnergyPj);
        double onChipPj = score.EnergyPj - macPj - offChipPj;
        double readBits = accesses.Where(a => a.Level == offChipName).Sum(a => a.ReadBits);
        double writeBits = accesses.Where(a => a.Level == offChipName).Sum(a => a.WriteBits);

        // The largest term besides the temporal cycles names what bounds the operator.
        var terms = new[] { (latency.StallCycles, $"stalls on {latency.StallPort}"), (latency.OnloadCycles, "tile load"), (latency.OffloadCycles, "tile offload") };
        var (largest, name) = terms.MaxBy(t => t.Item1);
        string boundBy = largest <= 0 ? "compute" : largest >= latency.TemporalCycles ? name : $"compute + {name}";
        double offChipCycles = problem.Levels[problem.OffChip].TransferCycles(readBits, writeBits);

        var details = new MappingDetails(problem.Spatial, temporal, accesses, footprints, latency,
            objective, result.Evaluated, result.Exhaustive)
        { Imc = problem.Imc };
        // Of the array's peak rate: PEs per step, a bit-serial IMC step lasting several cycles.
        double utilisation = problem.Nest.Macs * problem.CyclesPerStep / (score.Cycles * problem.Core.Array.ProcessingElements);
        return new OperatorCost(score.Cycles, problem.ComputeCycles, offChipCycles,
            new CoreEnergy(macPj, onChipPj, offChipPj), readBits, writeBits, utilisation, boundBy)
        { Details = details };
    }

    /// <summary>
    /// Vector work on the vector unit (or the PE array as lanes when the core has none). Inputs stream in from the
    /// off-chip level through the outermost on-chip level that holds inputs, outputs go out through the one that holds
    /// outputs: each bit is written into and read out of that level once. Transfers overlap compute (streaming).
    /// </summary>
    public OperatorCost Evaluate(VectorWork work, Core core, MemoryLevel offChip)
    {
        var (lanes, energyPerOp) = core.Vector is { } v
            ? (v.Lanes, v.EnergyPerOpPj)
            : (core.Array.ProcessingElements, core.Array.MacEnergyPj);
        double compute = Math.Ceiling(work.Operations / lanes);
        double readBits = work.InputBytes * BitsPerByte, writeBits = work.OutputBytes * BitsPerByte;
        var input = Outermost(core, OperandRole.Input);
        var output = Outermost(core, OperandRole.Output);
        double onChipPj = 0;
        var busy = new Dictionary<MemoryLevel, (double Reads, double Writes)>();
        void Stream(MemoryLevel? level, double bits)
        {
            if (level is null) return;
            onChipPj += bits * (level.ReadEnergyPerBitPj + level.WriteEnergyPerBitPj);
            var (r, w) = busy.GetValueOrDefault(level);
            busy[level] = (r + bits, w + bits);
        }
        Stream(input, readBits);
        Stream(output, writeBits);
        double onChipCycles = busy.Count == 0 ? 0 : busy.Max(b => b.Key.TransferCycles(b.Value.Reads, b.Value.Writes));
        double offChipCycles = offChip.TransferCycles(readBits, writeBits);
        double cycles = Math.Max(compute, Math.Max(onChipCycles, offChipCycles));
        string boundBy = cycles == compute ? "compute" : cycles == offChipCycles ? "off-chip bandwidth" : "on-chip bandwidth";
        var energy = new CoreEnergy(work.Operations * energyPerOp, onChipPj,
            readBits * offChip.ReadEnergyPerBitPj + writeBits * offChip.WriteEnergyPerBitPj);
        return new OperatorCost(cycles, compute, offChipCycles, energy, readBits, writeBits,
            cycles > 0 ? work.Operations / (cycles * lanes) : 0, boundBy);
    }

    private static MemoryLevel? Outermost(Core core, OperandRole role) => core.Memories.LastOrDefault(m => m.Holds.Contains(role));

    /// <summary>A value key: loop nests and cores hold immutable arrays, which compare by reference.</summary>
    internal static string Key(LoopNest nest, Core core, MemoryLevel offChip, bool names) =>
        NestKey(nest) + CoreKey(core, offChip, names);

    /// <summary>The loop nest's value key: dimensions, operand axes and bits.</summary>
    internal static string NestKey(LoopNest nest)
    {
        var b = new StringBuilder(256);
        foreach (var d in nest.Dimensions) b.Append(d.Name).Append('=').Append(d.Size).Append(',');
        foreach (var o in nest.Operands)
        {
            b.Append('|').Append(o.Role).Append(':').Append(o.Bits).Append('/').Append(o.PartialSumBits);
            foreach (var axis in o.Axes)
            {
                b.Append('[').Append(axis.Length).Append(':');
                foreach (var t in axis.Terms) b.Append(t.Coefficient).Append('*').Append(t.Dimension).Append('+');
                b.Append(']');
            }
        }
        return b.ToString();
    }

    /// <summary>The core's and off-chip level's value key (what a cost depends on besides the nest).</summary>
    internal static string CoreKey(Core core, MemoryLevel offChip, bool names)
    {
        var b = new StringBuilder(256);
        b.Append("#core:").Append(names ? core.Name : "").Append('@').Append(core.FrequencyHz.ToString("R", CultureInfo.InvariantCulture))
            .Append(':').Append(core.Array.MacEnergyPj.ToString("R", CultureInfo.InvariantCulture));
        foreach (var a in core.Array.Axes) b.Append(',').Append(a.Name).Append(a.Size);
        if (core.Array.Imc is { } imc) b.Append("#imc:").Append(imc.Key);
        foreach (var a in core.Dataflow.Axes)
        {
            b.Append(';').Append(a.Axis);
            foreach (var (dim, factor) in a.Factors) b.Append(dim).Append(factor);
            if (!a.Alternates.IsDefaultOrEmpty)
                foreach (var (dim, factor) in a.Alternates) b.Append('|').Append(dim).Append(factor);
            if (!a.Choices.IsDefaultOrEmpty) b.Append('?').AppendJoin(',', a.Choices);
        }
        foreach (var (dim, factor) in core.Dataflow.TemporalOrdering) b.Append(";t").Append(dim).Append(factor);
        foreach (var m in core.Memories) Append(b, m, names);
        if (core.Fixed is { } fixedDataflow) b.Append("#fixed:").Append(fixedDataflow.Key);
        b.Append("#off");
        Append(b, offChip, names);
        return b.ToString();
    }

    private static void Append(StringBuilder b, MemoryLevel m, bool names)
    {
        b.Append('{').Append(names ? m.Name : "").Append(':').Append(m.CapacityBits)
            .Append(':').Append(m.ReadBitsPerCycle.ToString("R", CultureInfo.InvariantCulture))
            .Append(':').Append(m.WriteBitsPerCycle.ToString("R", CultureInfo.InvariantCulture))
            .Append(':').Append(m.ReadEnergyPerBitPj.ToString("R", CultureInfo.InvariantCulture))
            .Append(':').Append(m.WriteEnergyPerBitPj.ToString("R", CultureInfo.InvariantCulture))
            .Append(':').Append(m.SharedReadWritePort)
            .Append(':').AppendJoin(',', m.Holds).Append(':').AppendJoin(',', m.ServedArrayAxes);
        if (!m.Ports.IsDefaultOrEmpty)
            foreach (var p in m.Ports)
                b.Append('[').Append(p.Name).Append(':').Append(p.BitsPerCycle.ToString("R", CultureInfo.InvariantCulture))
                    .Append(':').Append(p.MinBitsPerCycle.ToString("R", CultureInfo.InvariantCulture))
                    .Append(':').Append(p.ReadEnergyPerBitPj.ToString("R", CultureInfo.InvariantCulture))
                    .Append(':').Append(p.WriteEnergyPerBitPj.ToString("R", CultureInfo.InvariantCulture))
                    .Append(':').AppendJoin(',', p.Serves.Select(x => $"{x.Operand}{x.Direction}")).Append(']');
        b.Append('}');
    }
}
