using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Costs;

/// <summary>
/// The perfect-reuse bound: an operator is bound by compute, by its outermost on-chip level or by off-chip bandwidth, whichever takes longest. It
/// assumes perfect reuse — every unique operand bit crosses the off-chip level and each on-chip level that
/// holds it exactly once — so its energy and time are lower bounds of what a real mapping achieves.
/// </summary>
public sealed class RooflineCostModel : IOperatorCostModel
{
    public string Name => "roofline";

    public string Identity => "roofline-1";

    public OperatorCost Evaluate(LoopNest nest, Core core, MemoryLevel offChip)
    {
        var (computeCycles, utilisation) = ArrayCycles(nest, core);
        double readBits = 0, writeBits = 0, onChipPj = 0;
        foreach (var operand in nest.Operands)
        {
            double bits = nest.UniqueBits(operand);
            if (operand.Role == OperandRole.Output) writeBits += bits;
            else readBits += bits;
            onChipPj += OnChipPj(core, operand.Role, bits);
        }
        double computePj = core.Array.Imc is { } imc
            ? ImcEnergyModel.Of(imc, Mapping.SpatialMapping.Unroll(nest, core.Dataflow), nest.Macs).TotalPj
            : nest.Macs * core.Array.MacEnergyPj;
        return Bound(core, offChip, computeCycles, utilisation, computePj, onChipPj, readBits, writeBits);
    }

    public OperatorCost Evaluate(VectorWork work, Core core, MemoryLevel offChip)
    {
        var (lanes, energyPerOp) = core.Vector is { } v
            ? (v.Lanes, v.EnergyPerOpPj)
            : (core.Array.ProcessingElements, core.Array.MacEnergyPj);
        double cycles = Math.Ceiling(work.Operations / lanes);
        double utilisation = cycles > 0 ? work.Operations / (cycles * lanes) : 0;
        double readBits = work.InputBytes * 8.0, writeBits = work.OutputBytes * 8.0;
        // Non-MAC operators stream their operands through the levels that hold activations.
        double onChipPj = OnChipPj(core, OperandRole.Input, readBits) + OnChipPj(core, OperandRole.Output, writeBits);
        return Bound(core, offChip, cycles, utilisation, work.Operations * energyPerOp, onChipPj, readBits, writeBits);
    }

    /// <summary>
    /// Cycles on the PE array: every dimension unrolled by factor f takes ⌈size/f⌉ steps, so a size that
    /// does not divide the unrolling leaves PEs idle. Without an unrolling, MACs spread over all PEs. A step of an IMC
    /// macro takes its bit-serial input cycles; utilisation is of the array's peak rate either way.
    /// </summary>
    internal static (double Cycles, double Utilisation) ArrayCycles(LoopNest nest, Core core)
    {
        long pes = core.Array.ProcessingElements;
        double cycles;
        if (core.Dataflow.Axes.IsEmpty)
            cycles = Math.Ceiling((double)nest.Macs / pes);
        else
        {
            cycles = 1;
            foreach (var d in nest.Dimensions)
                cycles *= Math.Ceiling((double)d.Size / core.Dataflow.FactorOf(d.Name, nest));
        }
        int perStep = core.Array.Imc?.CyclesPerStep ?? 1;
        return (cycles * perStep, nest.Macs / (cycles * pes));
    }

    /// <summary>Each bit is written once into and read once out of every on-chip level that holds its operand.</summary>
    private static double OnChipPj(Core core, OperandRole role, double bits)
    {
        double pj = 0;
        foreach (var level in core.Memories)
            if (level.Holds.Contains(role))
                pj += bits * (level.ReadEnergyPerBitPj + level.WriteEnergyPerBitPj);
        return pj;
    }

    /// <summary>
    /// The slowest of compute, the outermost on-chip level (it writes what arrives and reads out what leaves)
    /// and the off-chip level sets the time.
    /// </summary>
    private static OperatorCost Bound(Core core, MemoryLevel offChip, double computeCycles, double utilisation,
        double computePj, double onChipPj, double readBits, double writeBits)
    {
        double onChipCycles = core.Memories.IsEmpty ? 0 : core.Memories[^1].TransferCycles(writeBits, readBits);
        double offChipCycles = offChip.TransferCycles(readBits, writeBits);
        double cycles = Math.Max(computeCycles, Math.Max(onChipCycles, offChipCycles));
        string boundBy = cycles == computeCycles ? "compute" : cycles == offChipCycles ? "off-chip bandwidth" : "on-chip bandwidth";
        var energy = new CoreEnergy(computePj, onChipPj, readBits * offChip.ReadEnergyPerBitPj + writeBits * offChip.WriteEnergyPerBitPj);
        return new OperatorCost(cycles, computeCycles, offChipCycles, energy, readBits, writeBits,
            cycles > 0 ? utilisation * computeCycles / cycles : 0, boundBy);
    }
}
