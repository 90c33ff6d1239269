using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Workloads;

namespace Tessera.Simulation;

/// <summary>
/// Layer-by-layer execution of several models at once: every operator runs whole on one core, streams its
/// operands from the nearest memory device and writes its result back; operators are placed greedily on the
/// core where they finish first. A shorthand for <see cref="LayerByLayerPartitioner"/> followed by the
/// <see cref="Simulator"/>, by default without contention (the dependency-only schedule).
/// </summary>
public sealed class LayerByLayerEvaluator(IOperatorCostModel costModel, bool contention = false)
{
    public EvaluationResult Evaluate(string scenarioName, Package package, IReadOnlyList<ModelInstance> models,
        CancellationToken cancellation = default)
    {
        var graph = new LayerByLayerPartitioner(costModel).Partition(package, models);
        return new Simulator(costModel).Simulate(scenarioName, package, graph, new SimulationOptions(contention), cancellation).Evaluation;
    }
}
