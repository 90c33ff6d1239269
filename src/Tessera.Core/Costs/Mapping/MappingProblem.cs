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
    /// <summary>Bit d set when dimension d indexes the operand (relevant or partially relevant).</summary>
    public readonly int[] RelevantMask;
    public readonly int[] AxisStart, TermStart, TermDim;
    public readonly double[] TermCoefficient;
    /// <summary>Levels holding each operand, innermost first, ending with the off-chip level.</summary>
    public readonly int[][] Hierarchy;
    /// <summary>Operands each on-chip level holds.</summary>
    public readonly int[][] HeldBy;

    public MappingProblem(LoopNest nest, Core core, MemoryLevel offChip)
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
        foreach (var axis in core.Dataflow.Axes)
        {
            long used = 1;
            foreach (var (dimension, factor) in axis.For(nest))
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
        RelevantMask = [.. nest.Operands.Select(o => o.RelevantDimensions.Aggregate(0, (m, d) => m | (1 << index[d])))];
        var axisStart = new List<int>();
        var termStart = new List<int>();
        var termDim = new List<int>();
        var termCoefficient = new List<double>();
        foreach (var operand in nest.Operands)
        {
            axisStart.Add(termStart.Count);
            foreach (var axis in operand.Axes)
            {
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
        (AxisStart, TermStart, TermDim, TermCoefficient) = ([.. axisStart], [.. termStart], [.. termDim], [.. termCoefficient]);

        Hierarchy = new int[Operands][];
        for (int o = 0; o < Operands; o++)
        {
            var role = Roles[o];
            var held = Enumerable.Range(0, OffChip).Where(l => Levels[l].Holds.Contains(role)).ToList();
            if (held.Count == 0 && OffChip > 0)
                throw new TesseraInputException($"cannot map {nest.Operands[o].Tensor}: no memory level of core '{core.Name}' holds the {RoleName(role)} operand");
            Hierarchy[o] = [.. held, OffChip];
        }
        HeldBy = [.. Enumerable.Range(0, OffChip).Select(l => Enumerable.Range(0, Operands).Where(o => Hierarchy[o].Contains(l)).ToArray())];
        CheckSpatialTilesFit();
    }

    public static string RoleName(OperandRole role) => role.ToString().ToLowerInvariant();

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
    /// irrelevant dimensions add nothing.
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
            // A stride larger than the window (or a group stride) leaves gaps the span would count.
            elements *= Math.Min(extent, combinations);
        }
        return elements;
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
