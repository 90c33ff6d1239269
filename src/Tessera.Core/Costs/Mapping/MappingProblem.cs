using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Costs.Mapping;

/// <summary>
/// One loop nest on one core, flattened into arrays so that a mapping evaluates without allocating: dimensions,
/// the clipped spatial unrolling, the levels (the core's, innermost first, then the off-chip level on top),
/// which spatial factors each level's instance spans, and each operand's axes, relevance mask and hierarchy.
/// </summary>
internal sealed class MappingProblem
{
    public readonly LoopNest Nest;
    public readonly Core Core;
    public readonly int Dims;
    public readonly string[] DimNames;
    /// <summary>Temporal iterations per dimension: ⌈size / spatial factor⌉.</summary>
    public readonly long[] Temporal;
    public readonly SpatialMapping Spatial;
    public readonly double ComputeCycles;

    /// <summary>On-chip levels 0..OffChip−1, then the off-chip level.</summary>
    public readonly MemoryLevel[] Levels;
    public readonly int OffChip;
    /// <summary>Spatial factor of each dimension inside one instance of a level: [level·Dims + dim].</summary>
    public readonly double[] Served;
    /// <summary>Instances of each level working in parallel (array axes it does not serve, as far as they are used).</summary>
    public readonly double[] Instances;

    public readonly int Operands;
    public readonly OperandRole[] Roles;
    public readonly double[] Bits;
    /// <summary>Bits of a partial sum of each operand (the final width for inputs).</summary>
    public readonly double[] PartialSumBits;
    /// <summary>Bit d set when dimension d indexes the operand (relevant or partially relevant).</summary>
    public readonly int[] RelevantMask;
    /// <summary>Bit d set when dimension d indexes the operand alone on an axis, not in an overlapping window (ZigZag's r).</summary>
    public readonly int[] FullyRelevantMask;
    /// <summary>Per on-chip level: an output-irrelevant dimension is unrolled on an axis the level does not serve, so
    /// the sum over it is completed above the level (the level holds partial sums).</summary>
    public readonly bool[] SpatialReductionAbove;

    /// <summary>Ports of all levels, level by level: the level, name, word width, smallest access and whether it carries both inputs.</summary>
    public readonly int[] PortLevel;
    public readonly string[] PortName;
    public readonly double[] PortBits, PortMinBits;
    public readonly bool[] PortServesBothInputs;
    /// <summary>Port carrying each movement, [(level·Operands + operand)·4 + direction], and its energy per bit.</summary>
    public readonly int[] PortOf;
    public readonly double[] MoveEnergyPerBit;
    public readonly int[] AxisStart, TermStart, TermDim;
    /// <summary>Each operand axis's tensor extent (a tile holds no more), +∞ when unbounded.</summary>
    public readonly double[] AxisLength;
    public readonly double[] TermCoefficient;
    /// <summary>Levels holding each operand, innermost first, ending with the off-chip level.</summary>
    public readonly int[][] Hierarchy;
    /// <summary>Operands each on-chip level holds.</summary>
    public readonly int[][] HeldBy;

    /// <param name="residency">
    /// ZigZag's data-locality rule, when given: inputs and outputs (as far as it lets them) stop at the innermost level that
    /// holds both and has room for the whole of both (they stay on chip between layers), weights at the innermost level that serves the
    /// whole array and has room for <see cref="Residency.WorkloadWeightBits"/> (every weight of the workload) besides.
    /// </param>
    public MappingProblem(LoopNest nest, Core core, MemoryLevel offChip, Residency? residency = null)
    {
        Nest = nest;
        Core = core;
        Dims = nest.Dimensions.Length;
        DimNames = [.. nest.Dimensions.Select(d => d.Name)];
        var index = DimNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);

        // Spatial unrolling: each factor is clipped to what the dimension has left after earlier axes took theirs.
        var spatial = new long[Dims];
        Array.Fill(spatial, 1L);
        var factors = ImmutableArray.CreateBuilder<SpatialFactor>();
        var axisUsed = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var axis in core.Dataflow.For(nest))
        {
            long used = 1;
            foreach (var (dimension, factor) in axis.Factors)
            {
                int clipped = 1;
                if (index.TryGetValue(dimension, out var d))
                {
                    long left = CeilDiv(nest.Dimensions[d].Size, spatial[d]);
                    clipped = (int)Math.Min(factor, left);
                    spatial[d] *= clipped;
                }
                used *= clipped;
                factors.Add(new SpatialFactor(axis.Axis, dimension, factor, clipped));
            }
            axisUsed[axis.Axis] = used;
        }
        Temporal = new long[Dims];
        double compute = 1;
        for (int d = 0; d < Dims; d++)
        {
            Temporal[d] = CeilDiv(nest.Dimensions[d].Size, spatial[d]);
            compute *= Temporal[d];
        }
        ComputeCycles = compute;
        Spatial = new SpatialMapping(factors.ToImmutable(), nest.Macs / (compute * core.Array.ProcessingElements));

        Levels = [.. core.Memories, offChip];
        OffChip = core.Memories.Length;
        Served = new double[Levels.Length * Dims];
        Instances = new double[Levels.Length];
        for (int l = 0; l < Levels.Length; l++)
        {
            var served = l == OffChip ? core.Dataflow.Axes.Select(a => a.Axis).ToHashSet(StringComparer.Ordinal)
                : Levels[l].ServedArrayAxes.ToHashSet(StringComparer.Ordinal);
            for (int d = 0; d < Dims; d++) Served[l * Dims + d] = 1;
            double instances = 1;
            foreach (var f in factors)
            {
                if (!served.Contains(f.Axis)) continue;
                if (index.TryGetValue(f.Dimension, out var d)) Served[l * Dims + d] *= f.Factor;
            }
            foreach (var (axis, used) in axisUsed)
                if (!served.Contains(axis)) instances *= used;
            Instances[l] = instances;
        }

        Operands = nest.Operands.Length;
        Roles = [.. nest.Operands.Select(o => o.Role)];
        Bits = [.. nest.Operands.Select(o => (double)o.Bits)];
        PartialSumBits = [.. nest.Operands.Select(o => (double)o.PartialSumBits)];
        RelevantMask = [.. nest.Operands.Select(o => o.RelevantDimensions.Aggregate(0, (m, d) => m | (1 << index[d])))];
        FullyRelevantMask = [.. nest.Operands.Select(o => o.Axes.Where(a => !Overlaps(a, nest.Sizes))
            .SelectMany(a => a.Terms).Aggregate(0, (m, t) => m | (1 << index[t.Dimension])))];
        var axisStart = new List<int>();
        var termStart = new List<int>();
        var termDim = new List<int>();
        var termCoefficient = new List<double>();
        var axisLength = new List<double>();
        foreach (var operand in nest.Operands)
        {
            axisStart.Add(termStart.Count);
            foreach (var axis in operand.Axes)
            {
                axisLength.Add(axis.Length > 0 ? axis.Length : double.PositiveInfinity);
                termStart.Add(termDim.Count);
                foreach (var term in axis.Terms)
                {
                    termDim.Add(index[term.Dimension]);
                    termCoefficient.Add(term.Coefficient);
                }
            }
        }
        axisStart.Add(termStart.Count);
        termStart.Add(termDim.Count);
        (AxisStart, TermStart, TermDim, TermCoefficient, AxisLength) = ([.. axisStart], [.. termStart], [.. termDim], [.. termCoefficient], [.. axisLength]);

        Hierarchy = new int[Operands][];
        var resident = Resident(residency);
        for (int o = 0; o < Operands; o++)
        {
            var role = Roles[o];
            int top = resident.GetValueOrDefault(role, OffChip);
            // An operand no on-chip level holds goes between the top level and the PEs directly (ZigZag's gemm_l1 inputs).
            Hierarchy[o] = [.. Enumerable.Range(0, top).Where(l => Levels[l].Holds.Contains(role)), top];
        }
        // Output first, then weights, then inputs: the order in which double-buffering claims shared memories.
        HeldBy = [.. Enumerable.Range(0, OffChip).Select(l => Enumerable.Range(0, Operands).Where(o => Hierarchy[o].Contains(l))
            .OrderBy(o => Roles[o] switch { OperandRole.Output => 0, OperandRole.Weight => 1, _ => 2 }).ToArray())];

        int output = Array.IndexOf(Roles, OperandRole.Output);
        int reductionMask = ~RelevantMask[output];
        SpatialReductionAbove = new bool[Levels.Length];
        for (int l = 0; l < Levels.Length; l++)
        {
            var served = Levels[l].ServedArrayAxes.ToHashSet(StringComparer.Ordinal);
            SpatialReductionAbove[l] = l < OffChip && factors.Any(f => f.Factor > 1 && !served.Contains(f.Axis)
                && index.TryGetValue(f.Dimension, out var d) && (reductionMask & (1 << d)) != 0);
        }

        (PortLevel, PortName, PortBits, PortMinBits, PortServesBothInputs, PortOf, MoveEnergyPerBit) = Ports();
        CheckSpatialTilesFit();
    }

    public static string RoleName(OperandRole role) => role.ToString().ToLowerInvariant();

    /// <summary>The on-chip level each operand stays in under <paramref name="residency"/> (none: all go off chip).</summary>
    private Dictionary<OperandRole, int> Resident(Residency? residency)
    {
        var result = new Dictionary<OperandRole, int>();
        if (residency is null) return result;
        double Whole(OperandRole role) => Nest.Operands.Where(o => o.Role == role).Sum(o => (double)Nest.UniqueBits(o));
        double activations = Whole(OperandRole.Input) + Whole(OperandRole.Output);
        var axes = Core.Array.Axes.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        for (int l = 0; l < OffChip; l++)
        {
            var level = Levels[l];
            double room = (double)level.CapacityBits * Instances[l];
            bool io = level.Holds.Contains(OperandRole.Input) && level.Holds.Contains(OperandRole.Output);
            if (io && !result.ContainsKey(OperandRole.Input) && !result.ContainsKey(OperandRole.Output) && activations <= room)
            {
                if (residency.Inputs) result[OperandRole.Input] = l;
                if (residency.Outputs) result[OperandRole.Output] = l;
            }
            if (level.Holds.Contains(OperandRole.Weight) && !result.ContainsKey(OperandRole.Weight) && axes.IsSubsetOf(level.ServedArrayAxes)
                && residency.WorkloadWeightBits + (io ? activations : 0) <= room)
                result[OperandRole.Weight] = l;
        }
        return result;
    }

    /// <summary>Index of a movement in <see cref="PortOf"/> and <see cref="MoveEnergyPerBit"/>.</summary>
    public int Move(int level, int operand, PortDirection direction) => (level * Operands + operand) * 4 + (int)direction;

    /// <summary>An axis whose terms overlap (a sliding window such as OY·stride + FY): its dimensions are partially relevant.</summary>
    private static bool Overlaps(OperandAxis axis, ImmutableDictionary<string, long> sizes) =>
        axis.Terms.Length > 1 && axis.Extent(sizes) < axis.Terms.Aggregate(1L, (p, t) => p * sizes[t.Dimension]);

    /// <summary>
    /// Each level's ports and which carries every movement of every operand. A movement the file allocates to no port
    /// goes to a port that carries movements of the same kind (reads: to low, to high; writes: from high, from low).
    /// </summary>
    private (int[], string[], double[], double[], bool[], int[], double[]) Ports()
    {
        var level = new List<int>();
        var name = new List<string>();
        var bits = new List<double>();
        var min = new List<double>();
        var both = new List<bool>();
        var portOf = new int[Levels.Length * Operands * 4];
        var energy = new double[portOf.Length];
        for (int l = 0; l < Levels.Length; l++)
        {
            var ports = Levels[l].EffectivePorts();
            int first = level.Count;
            foreach (var p in ports)
            {
                level.Add(l);
                name.Add(p.Name);
                bits.Add(p.BitsPerCycle);
                min.Add(p.MinBitsPerCycle);
                both.Add(p.Serves.Any(s => s.Operand == OperandRole.Input) && p.Serves.Any(s => s.Operand == OperandRole.Weight));
            }
            for (int o = 0; o < Operands; o++)
                foreach (var direction in Enum.GetValues<PortDirection>())
                {
                    bool read = direction is PortDirection.ToLow or PortDirection.ToHigh;
                    bool SameKind(PortDirection d) => (d is PortDirection.ToLow or PortDirection.ToHigh) == read;
                    int i = ports.IndexOf(ports.FirstOrDefault(p => p.Serves.Contains((Roles[o], direction)))
                        ?? ports.FirstOrDefault(p => p.Serves.Any(s => SameKind(s.Direction))) ?? ports[0]);
                    var port = ports[i];
                    portOf[Move(l, o, direction)] = first + i;
                    double perBit = read ? port.ReadEnergyPerBitPj : port.WriteEnergyPerBitPj;
                    energy[Move(l, o, direction)] = perBit > 0 ? perBit : read ? Levels[l].ReadEnergyPerBitPj : Levels[l].WriteEnergyPerBitPj;
                }
        }
        return ([.. level], [.. name], [.. bits], [.. min], [.. both], portOf, energy);
    }

    /// <summary>Without any temporal loop a level must still hold what its instance's PEs use at once.</summary>
    private void CheckSpatialTilesFit()
    {
        var unit = new double[Dims];
        Array.Fill(unit, 1);
        for (int l = 0; l < OffChip; l++)
        {
            double total = 0;
            int largest = -1;
            double largestBits = 0;
            foreach (var o in HeldBy[l])
            {
                double bits = Extent(o, unit, 0, l) * Bits[o];
                total += bits;
                if (bits > largestBits) (largest, largestBits) = (o, bits);
            }
            if (total > Levels[l].CapacityBits)
                throw new TesseraInputException(
                    $"cannot map {Nest.Operands[largest].Tensor}: the {RoleName(Roles[largest])} operand needs {largestBits:0} bits in level '{Levels[l].Name}' " +
                    $"of core '{Core.Name}' for one step of the spatial unrolling ({total:0} bits with the other operands there), but the level holds {Levels[l].CapacityBits} bits");
        }
    }

    /// <summary>
    /// Distinct elements of operand <paramref name="o"/> in one instance of <paramref name="level"/> when the temporal
    /// loops below have the sizes in <paramref name="prefix"/> (at <paramref name="offset"/>): relevant dimensions
    /// multiply, sliding windows give stride·(OY−1)+dilation·(FY−1)+1 (at most OY·FY when windows do not overlap),
    /// irrelevant dimensions add nothing, and no axis exceeds the tensor's extent.
    /// </summary>
    public double Extent(int o, double[] prefix, int offset, int level)
    {
        double elements = 1;
        int served = level * Dims;
        for (int a = AxisStart[o]; a < AxisStart[o + 1]; a++)
        {
            double extent = 1, combinations = 1;
            for (int t = TermStart[a]; t < TermStart[a + 1]; t++)
            {
                int d = TermDim[t];
                double size = prefix[offset + d] * Served[served + d];
                extent += TermCoefficient[t] * (size - 1);
                combinations *= size;
            }
            // A stride larger than the window (or a group stride) leaves gaps the span would count; padding holds no data.
            elements *= Math.Min(Math.Min(extent, combinations), AxisLength[a]);
        }
        return elements;
    }

    /// <summary>
    /// The core's pinned temporal ordering (innermost first) applied to this nest: factor 0 takes what remains of the
    /// dimension, dimensions it skips go outermost, dimensions the nest lacks are ignored; null when none is pinned.
    /// </summary>
    public List<(int Dim, long Factor)>? PinnedLoops()
    {
        var pinned = Core.Dataflow.TemporalOrdering;
        if (pinned.IsDefaultOrEmpty) return null;
        var left = (long[])Temporal.Clone();
        var loops = new List<(int, long)>();
        foreach (var (name, factor) in pinned)
        {
            int d = Array.IndexOf(DimNames, name);
            if (d < 0 || left[d] == 1) continue;
            long f = factor == 0 ? left[d] : Math.Min(factor, left[d]);
            if (left[d] % f != 0)
                throw new TesseraInputException($"temporal loop {name} {factor} of core '{Core.Name}' does not divide the {left[d]} iterations left of {name}");
            loops.Add((d, f));
            left[d] /= f;
        }
        for (int d = 0; d < Dims; d++)
            if (left[d] > 1) loops.Add((d, left[d]));
        return loops;
    }

    /// <summary>Prime factors of every dimension's temporal iterations, as (dimension, factor) loops.</summary>
    public List<(int Dim, long Factor)> PrimeLoops()
    {
        var loops = new List<(int, long)>();
        for (int d = 0; d < Dims; d++)
        {
            long n = Temporal[d];
            for (long p = 2; p * p <= n; p++)
                while (n % p == 0) { loops.Add((d, p)); n /= p; }
            if (n > 1) loops.Add((d, n));
        }
        return loops;
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
