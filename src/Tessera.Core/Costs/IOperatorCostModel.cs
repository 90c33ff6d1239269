using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Costs;

/// <summary>Energy of one operator (or tile) on one core, split by where it is spent, in pJ.</summary>
public sealed record CoreEnergy(double ComputePj, double OnChipMemoryPj, double OffChipMemoryPj)
{
    public static readonly CoreEnergy Zero = new(0, 0, 0);

    public double TotalPj => ComputePj + OnChipMemoryPj + OffChipMemoryPj;

    public static CoreEnergy operator +(CoreEnergy a, CoreEnergy b) =>
        new(a.ComputePj + b.ComputePj, a.OnChipMemoryPj + b.OnChipMemoryPj, a.OffChipMemoryPj + b.OffChipMemoryPj);
}

/// <summary>
/// What an operator or tile costs on a core whose outermost level is backed by an off-chip level.
/// <see cref="Cycles"/> includes every stall, off-chip included; <see cref="ComputeCycles"/> is the PE array's
/// time alone; <see cref="OffChipCycles"/> is the time the off-chip traffic needs at the given bandwidth, so a
/// simulator that models contention can replace it. Off-chip bits are what crosses between the core and that
/// level: reads bring inputs and weights in, writes carry outputs out (partial sums that spill count both ways).
/// </summary>
public sealed record OperatorCost(
    double Cycles,
    double ComputeCycles,
    double OffChipCycles,
    CoreEnergy Energy,
    double OffChipReadBits,
    double OffChipWriteBits,
    double Utilisation,
    string BoundBy)
{
    public static readonly OperatorCost Zero = new(0, 0, 0, CoreEnergy.Zero, 0, 0, 0, "nothing");

    /// <summary>The chosen mapping with accesses per level and footprints, when the model searched one.</summary>
    public Mapping.MappingDetails? Details { get; init; }

    public double OffChipBytes => (OffChipReadBits + OffChipWriteBits) / 8;
}

/// <summary>The work of a non-MAC operator or tile: vector operations and the bytes it streams in and out.</summary>
public sealed record VectorWork(double Operations, long InputBytes, long OutputBytes);

/// <summary>
/// Costs one operator or tile on one core. Implementations with a public parameterless constructor are found by
/// <see cref="CostModels"/> and chosen by <see cref="Name"/> everywhere a cost is computed.
/// </summary>
public interface IOperatorCostModel
{
    /// <summary>The name users choose the model by (<c>--cost-model</c>, <c>cost_model:</c>).</summary>
    string Name { get; }

    /// <summary>What caches key on: the name, the version of its rules and every setting that changes its numbers.</summary>
    string Identity { get; }

    /// <summary>A MAC loop nest (a whole operator, or a tile of one) on a core backed by <paramref name="offChip"/>.</summary>
    OperatorCost Evaluate(LoopNest nest, Core core, MemoryLevel offChip);

    /// <summary>Vector or data-movement work on a core's vector unit (or its PE array when it has none).</summary>
    OperatorCost Evaluate(VectorWork work, Core core, MemoryLevel offChip);
}

/// <summary>Helpers that connect the workload and hardware IRs to cost models.</summary>
public static class CostModelExtensions
{
    private const double BitsPerByte = 8;

    /// <summary>Costs an operator of a graph: loop nests for MAC operators, vector work for the rest.</summary>
    public static OperatorCost Evaluate(this IOperatorCostModel model, ModelGraph graph, Operator op, Core core, MemoryLevel offChip)
    {
        if (op is ComputeOperator c) return model.Evaluate(c.Nest, core, offChip);
        var stats = graph.Statistics(op);
        if (stats.TotalBytes == 0 && stats.VectorOperations == 0) return OperatorCost.Zero;
        return model.Evaluate(new VectorWork(stats.VectorOperations, stats.ParameterBytes + stats.InputActivationBytes, stats.OutputBytes), core, offChip);
    }

    /// <summary>
    /// An off-chip memory device seen from a core as a memory level: unbounded for the operands, with the
    /// bandwidth (bytes/s, capped by the links on the way) in bits per core cycle over one shared port.
    /// </summary>
    public static MemoryLevel OffChipLevel(MemoryDevice device, double bytesPerSecond, double energyPerBitPj, double coreFrequencyHz)
    {
        double bitsPerCycle = bytesPerSecond * BitsPerByte / coreFrequencyHz;
        return new MemoryLevel(device.Id, long.MaxValue, bitsPerCycle, bitsPerCycle, energyPerBitPj, energyPerBitPj,
            [OperandRole.Input, OperandRole.Weight, OperandRole.Output], [], SharedReadWritePort: true);
    }
}
