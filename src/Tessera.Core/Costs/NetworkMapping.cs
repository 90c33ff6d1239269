using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Scoring;
using Tessera.Workloads;

namespace Tessera.Costs;

/// <summary>One operator of a model costed on one core: its name, type, MACs and what the cost model reports.</summary>
public sealed record LayerCost(string Name, string Type, long Macs, OperatorCost Cost)
{
    /// <summary>The array's spatial utilisation under the chosen mapping (the overall one without mapping details).</summary>
    public double SpatialUtilisation => Cost.Details?.Spatial.Utilisation ?? Cost.Utilisation;
}

/// <summary>
/// Every operator of a model costed on one core, one after another, with totals; <see cref="MacUtilisation"/> is
/// MACs ÷ (PEs × cycles of the MAC layers), times an IMC macro's bit-serial cycles per step (of the array's peak rate).
/// <see cref="Objective"/> is what the mapping search minimised.
/// </summary>
public sealed record NetworkMapping(string Model, string Core, string OffChip, Objective Objective, double FrequencyHz,
    long ProcessingElements, ImmutableArray<LayerCost> Layers, long TotalMacs, double TotalCycles, double TotalEnergyPj, double MacUtilisation)
{
    /// <summary>Whether activations stayed on chip where they fit (ZigZag's data-locality rule) rather than streaming from off chip.</summary>
    public bool DataLocality { get; init; }

    /// <summary>
    /// Costs each operator of <paramref name="graph"/> on <paramref name="core"/> (or the core <paramref name="coreOf"/>
    /// gives it, e.g. with a per-layer-type spatial unrolling) with <paramref name="model"/> (or the model
    /// <paramref name="modelOf"/> gives it, e.g. with its operands' residency); a layer that fits no memory names itself in the error.
    /// </summary>
    public static NetworkMapping Of(ModelGraph graph, Core core, MemoryLevel offChip, IOperatorCostModel model, Objective objective,
        Func<Operator, Core>? coreOf = null, Func<Operator, IOperatorCostModel>? modelOf = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(offChip);
        ArgumentNullException.ThrowIfNull(model);
        var rows = ImmutableArray.CreateBuilder<LayerCost>(graph.Operators.Length);
        foreach (var op in graph.Operators)
        {
            OperatorCost cost;
            try { cost = (modelOf?.Invoke(op) ?? model).Evaluate(graph, op, coreOf?.Invoke(op) ?? core, offChip); }
            catch (InfeasibleException e) { throw new InfeasibleException($"layer {op.Name} ({op.OpType}): {e.Message}", e); }
            catch (TesseraInputException e) { throw new TesseraInputException($"layer {op.Name} ({op.OpType}): {e.Message}", e); }
            rows.Add(new LayerCost(op.Name, op.OpType, op is ComputeOperator c ? c.Nest.Macs : 0, cost));
            progress?.Report(rows.Count / (double)graph.Operators.Length);
        }
        var layers = rows.MoveToImmutable();
        long pes = core.Array.ProcessingElements;
        double macCycles = layers.Where(r => r.Macs > 0).Sum(r => r.Cost.Cycles);
        long macs = layers.Sum(r => r.Macs);
        return new NetworkMapping(graph.Name, core.Name, offChip.Name, objective, core.FrequencyHz, pes, layers,
            macs, layers.Sum(r => r.Cost.Cycles), layers.Sum(r => r.Cost.Energy.TotalPj),
            macCycles > 0 ? macs * (double)(core.Array.Imc?.CyclesPerStep ?? 1) / (macCycles * pes) : 0);
    }
}
