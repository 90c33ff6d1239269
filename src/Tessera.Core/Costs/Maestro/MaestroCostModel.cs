using System.Collections.Concurrent;
using Tessera.Hardware;
using Tessera.Hardware.Maestro;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Costs.Maestro;

/// <summary>
/// MAESTRO's data-centric cost model (<see cref="MaestroAnalysis"/>) behind Tessera's interface. A core with a fixed MAESTRO
/// dataflow is costed with it; any other core with the MAESTRO dataflow of its spatial unrolling's family in the core's own
/// arrangement (<see cref="MaestroDataflows.ForUnrolling"/>). The core is MAESTRO's accelerator: its PEs; its outermost
/// on-chip level is L2 and its read bandwidth, in elements, the NoC's; the off-chip level's bandwidth bounds the top level.
/// Energy is MAESTRO's, in units of the core's MAC energy: MACs + L1 and L2 accesses × the library's ratios; the words
/// L2 takes in from off-chip and sends back cost the off-chip level's energy per bit on top. Vector work is costed as by
/// the loop-nest model. Results are memoised per model instance by shape and core.
/// </summary>
public class MaestroCostModel : IOperatorCostModel
{
    private readonly Lazy<TechnologyLibrary> _technology;
    private readonly LoopNestCostModel _vector = new();
    private readonly ConcurrentDictionary<string, OperatorCost> _costs = new(StringComparer.Ordinal);

    public MaestroCostModel() : this(MaestroArithmetic.Corrected) { }

    public MaestroCostModel(MaestroArithmetic arithmetic, TechnologyLibrary? technology = null)
    {
        Arithmetic = arithmetic;
        _technology = new Lazy<TechnologyLibrary>(() => technology ?? TechnologyLibrary.LoadDefault());
    }

    public MaestroArithmetic Arithmetic { get; }

    public virtual string Name => "maestro";

    /// <summary>Bump the version when the rules change numbers.</summary>
    public string Identity => $"{Name}-1";

    private TechnologyLibrary Technology => _technology.Value;

    public OperatorCost Evaluate(LoopNest nest, Core core, MemoryLevel offChip) =>
        _costs.GetOrAdd(LoopNestCostModel.Key(nest, core, offChip, names: true), _ => Cost(nest, core, offChip));

    public OperatorCost Evaluate(VectorWork work, Core core, MemoryLevel offChip) => _vector.Evaluate(work, core, offChip);

    /// <summary>The MAESTRO dataflow a core is costed with.</summary>
    public MaestroDataflow DataflowOf(Core core)
    {
        ArgumentNullException.ThrowIfNull(core);
        return core.Fixed?.Directives ?? MaestroDataflows.ForUnrolling(core.Dataflow, core.Array, Technology);
    }

    /// <summary>The core as MAESTRO's accelerator, for words of <paramref name="bits"/> bits.</summary>
    public MaestroHardware HardwareOf(Core core, MemoryLevel offChip, int bits)
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(offChip);
        double l2BitsPerCycle = core.Memories.IsEmpty ? offChip.ReadBitsPerCycle : core.Memories[^1].ReadBitsPerCycle;
        return new MaestroHardware((int)core.Array.ProcessingElements, l2BitsPerCycle / bits, Technology.Value("maestro.noc_latency"),
            offChip.ReadBitsPerCycle / bits, (int)Technology.Value("maestro.simd_lanes"));
    }

    private OperatorCost Cost(LoopNest nest, Core core, MemoryLevel offChip)
    {
        if (core.Array.Imc is not null)
            throw new Diagnostics.TesseraInputException(
                $"core '{core.Name}' is an in-memory-compute macro array, which MAESTRO's model does not describe; expected --cost-model loopnest or roofline");
        var (layer, repeats) = MaestroLayers.FromNest(nest);
        var dataflow = DataflowOf(core);
        var directives = dataflow.For(layer.Type)
            ?? throw new Diagnostics.TesseraInputException($"core '{core.Name}': MAESTRO dataflow '{dataflow.Name}' has no directives for {layer.Type} layers");
        int bits = nest.Operand(OperandRole.Input).Bits;
        var source = dataflow.Source ?? $"core '{core.Name}' (dataflow {dataflow.Name})";
        var r = MaestroAnalysis.Run(layer, directives, HardwareOf(core, offChip, bits), Arithmetic, source, strict: dataflow.Source is not null);

        double macPj = core.Array.MacEnergyPj;
        double l1 = Technology.Value("maestro.l1_energy_ratio"), l2 = Technology.Value("maestro.l2_energy_ratio");
        double readBits = repeats * ((double)r.Input.L2Writes * bits + (double)r.Weight.L2Writes * nest.Operand(OperandRole.Weight).Bits);
        double writeBits = repeats * (double)r.Output.L2Reads * nest.Operand(OperandRole.Output).Bits;
        var energy = new CoreEnergy(repeats * r.Macs * macPj, repeats * macPj * (l1 * r.L1Accesses + l2 * r.L2Accesses),
            readBits * offChip.ReadEnergyPerBitPj + writeBits * offChip.WriteEnergyPerBitPj);
        double cycles = (double)repeats * r.Cycles;
        string boundBy = r.OffChipBoundCycles > Math.Max(r.ComputeBoundCycles, r.NocBoundCycles) ? "off-chip bandwidth"
            : r.NocBoundCycles > r.ComputeBoundCycles ? "NoC bandwidth" : "compute";
        return new OperatorCost(cycles, (double)repeats * r.ComputeCycles, offChip.TransferCycles(readBits, writeBits), energy,
            readBits, writeBits, cycles > 0 ? nest.Macs / (cycles * core.Array.ProcessingElements) : 0, boundBy);
    }
}

/// <summary>
/// MAESTRO's arithmetic exactly as MAESTRO computes it, defects included (<see cref="MaestroArithmetic.Upstream"/>): to
/// reproduce numbers published with MAESTRO, such as SCAR's.
/// </summary>
public sealed class MaestroUpstreamCostModel() : MaestroCostModel(MaestroArithmetic.Upstream)
{
    public override string Name => "maestro-upstream";
}
