using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Costs;

/// <summary>
/// Placeholder operator model (replaced by the loop-nest model of the intra-core issue): an operator is
/// either compute-bound or bandwidth-bound. It assumes perfect reuse — every unique operand byte crosses
/// off-chip memory and each on-chip level that holds it exactly once — so its energy and time are lower
/// bounds of what a real mapping achieves.
/// </summary>
public sealed class RooflineCostModel : IOperatorCostModel
{
    public OperatorCost Evaluate(ModelGraph model, Operator op, Core core, double offChipBytesPerSecond, double offChipEnergyPerBitPj)
    {
        var stats = model.Statistics(op);
        var (computeCycles, utilisation, computePj) = op switch
        {
            ComputeOperator c => ArrayCycles(c.Nest, core),
            VectorOperator v => VectorCycles(v, core),
            _ => (0d, 0d, 0d),
        };
        long offChipBytes = stats.TotalBytes;
        double onChipPj = OnChipEnergyPj(model, op, core);
        double offChipPj = offChipBytes * 8.0 * offChipEnergyPerBitPj;

        double computeSeconds = computeCycles / core.FrequencyHz;
        double offChipSeconds = offChipBytes / offChipBytesPerSecond;
        double onChipSeconds = OutermostLevelCycles(core, stats) / core.FrequencyHz;
        double seconds = Math.Max(computeSeconds, Math.Max(offChipSeconds, onChipSeconds));
        string boundBy = seconds == computeSeconds ? "compute" : seconds == offChipSeconds ? "off-chip bandwidth" : "on-chip bandwidth";
        return new OperatorCost(seconds * core.FrequencyHz, seconds, new CoreEnergy(computePj, onChipPj, offChipPj),
            seconds > 0 ? utilisation * computeSeconds / seconds : 0, offChipBytes, boundBy);
    }

    /// <summary>
    /// Cycles on the PE array: every dimension unrolled by factor f takes ⌈size/f⌉ steps, so a size that
    /// does not divide the unrolling leaves PEs idle. Without an unrolling, MACs spread over all PEs.
    /// </summary>
    internal static (double Cycles, double Utilisation, double EnergyPj) ArrayCycles(LoopNest nest, Core core)
    {
        long pes = core.Array.ProcessingElements;
        double cycles;
        if (core.Dataflow.Axes.IsEmpty)
            cycles = Math.Ceiling((double)nest.Macs / pes);
        else
        {
            cycles = 1;
            foreach (var d in nest.Dimensions)
                cycles *= Math.Ceiling((double)d.Size / core.Dataflow.FactorOf(d.Name));
        }
        return (cycles, nest.Macs / (cycles * pes), nest.Macs * core.Array.MacEnergyPj);
    }

    /// <summary>Vector operators run on the vector unit, or one operation per PE per cycle on the array.</summary>
    internal static (double Cycles, double Utilisation, double EnergyPj) VectorCycles(VectorOperator op, Core core)
    {
        var (lanes, energyPerOp) = core.Vector is { } v
            ? (v.Lanes, v.EnergyPerOpPj)
            : (core.Array.ProcessingElements, core.Array.MacEnergyPj);
        double cycles = Math.Ceiling(op.Operations / lanes);
        return (cycles, cycles > 0 ? op.Operations / (cycles * lanes) : 0, op.Operations * energyPerOp);
    }

    /// <summary>Each unique operand bit is written once into and read once out of every level that holds it.</summary>
    private static double OnChipEnergyPj(ModelGraph model, Operator op, Core core)
    {
        double pj = 0;
        foreach (var (bits, role) in OperandBits(model, op))
            foreach (var level in core.Memories)
                if (level.Holds.Contains(role))
                    pj += bits * (level.ReadEnergyPerBitPj + level.WriteEnergyPerBitPj);
        return pj;
    }

    private static IEnumerable<(double Bits, OperandRole Role)> OperandBits(ModelGraph model, Operator op)
    {
        if (op is ComputeOperator c)
            return c.Nest.Operands.Select(o => ((double)c.Nest.UniqueBits(o), o.Role));
        if (op is ShapeOperator { MovesData: false })
            return [];
        // Non-MAC operators stream their operands through the levels that hold activations.
        return op.Inputs.Select(i => (model.Tensors[i].Bytes * 8.0, OperandRole.Input))
            .Concat(op.Outputs.Select(o => (model.Tensors[o].Bytes * 8.0, OperandRole.Output)));
    }

    /// <summary>
    /// Cycles the outermost on-chip level needs to write what arrives (parameters, inputs) and read out what
    /// leaves (outputs); its read and write ports work in parallel.
    /// </summary>
    private static double OutermostLevelCycles(Core core, OperatorStatistics stats)
    {
        if (core.Memories.IsEmpty) return 0;
        var top = core.Memories[^1];
        double inCycles = top.WriteBitsPerCycle > 0 ? (stats.ParameterBytes + stats.InputActivationBytes) * 8.0 / top.WriteBitsPerCycle : 0;
        double outCycles = top.ReadBitsPerCycle > 0 ? stats.OutputBytes * 8.0 / top.ReadBitsPerCycle : 0;
        return Math.Max(inCycles, outCycles);
    }
}
