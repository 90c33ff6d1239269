using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Costs;

/// <summary>Energy of one operator (or tile) on one core, split by where it is spent, in pJ.</summary>
public sealed record CoreEnergy(double ComputePj, double OnChipMemoryPj, double OffChipMemoryPj)
{
    public double TotalPj => ComputePj + OnChipMemoryPj + OffChipMemoryPj;

    public static CoreEnergy operator +(CoreEnergy a, CoreEnergy b) =>
        new(a.ComputePj + b.ComputePj, a.OnChipMemoryPj + b.OnChipMemoryPj, a.OffChipMemoryPj + b.OffChipMemoryPj);
}

/// <summary>
/// What an operator costs on a core. <see cref="OffChipBytes"/> is the traffic the core's outermost
/// memory exchanges with the rest of the system; the placement charges it to a DRAM device or link.
/// </summary>
public sealed record OperatorCost(
    double Cycles,
    double Seconds,
    CoreEnergy Energy,
    double Utilisation,
    long OffChipBytes,
    string BoundBy);

/// <summary>Costs one operator on one core. The roofline model is the first implementation.</summary>
public interface IOperatorCostModel
{
    /// <param name="offChipBytesPerSecond">Bandwidth the core sees to off-chip memory for this operator.</param>
    /// <param name="offChipEnergyPerBitPj">Energy per bit of that off-chip memory.</param>
    OperatorCost Evaluate(ModelGraph model, Operator op, Core core, double offChipBytesPerSecond, double offChipEnergyPerBitPj);
}
