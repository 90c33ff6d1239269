using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Costs;

/// <summary>
/// The loop-nest model with ZigZag-IMC's latency rule (<see cref="Mapping.MappingSearchOptions.ZigZagImcLatency"/>): on an
/// IMC core, memory transfers are timed against periods of MAC steps and only the temporal cycles are stretched by the
/// bit-serial cycles per step, as ZigZag computes them. Tessera's <c>loopnest</c> gives the memories the cycles a step
/// lasts. Identical to <c>loopnest</c> on digital cores; for reproducing ZigZag's IMC numbers.
/// </summary>
public sealed class ZigZagImcCostModel : IOperatorCostModel
{
    private readonly LoopNestCostModel _model = new(Mapping.MappingSearchOptions.Default with { ZigZagImcLatency = true });

    /// <summary>The registry name; <c>tessera map</c> runs the loop-nest search with this rule under it.</summary>
    public const string ModelName = "loopnest-zigzag-imc";

    public string Name => ModelName;

    public string Identity => _model.Identity;

    public OperatorCost Evaluate(LoopNest nest, Core core, MemoryLevel offChip) => _model.Evaluate(nest, core, offChip);

    public OperatorCost Evaluate(VectorWork work, Core core, MemoryLevel offChip) => _model.Evaluate(work, core, offChip);
}
