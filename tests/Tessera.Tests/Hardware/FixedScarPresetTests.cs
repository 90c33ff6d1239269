using Tessera.Costs;
using Tessera.Costs.Maestro;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Tests.Hardware;

/// <summary>SCAR's chiplets as SCAR costed them: fixed MAESTRO dataflows (the -fixed presets).</summary>
public class FixedScarPresetTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    [Theory]
    // MAESTRO's shipped kcp_ws clusters 64 input channels; yxp_os clusters 8 output columns (maestro.md §3).
    [InlineData("scar-ws-fixed", "kcp_ws(64)", 64, 64)]
    [InlineData("scar-os-fixed", "yxp_os(8)", 512, 8)]
    public void Fixed_scar_cores_carry_maestros_shipped_dataflows_arranged_as_they_cluster(string name, string dataflow, int rows, int columns)
    {
        var core = HardwarePresets.CreateCore(name, Tech);
        Assert.Equal(dataflow, core.Fixed!.Name);
        Assert.Equal(dataflow, new MaestroCostModel().DataflowOf(core).Name);
        Assert.Equal([rows, columns], core.Array.Axes.Select(a => a.Size));
        Assert.NotNull(core.Fixed.Temporal);
        // The same chiplet otherwise: PEs, clock and memories.
        var free = HardwarePresets.CreateCore(name.Replace(HardwarePresets.FixedSuffix, ""), Tech);
        Assert.Equal(free.Array.ProcessingElements, core.Array.ProcessingElements);
        Assert.Equal(free.FrequencyHz, core.FrequencyHz);
        Assert.Equal(free.Memories.Select(m => (m.Name, m.CapacityBits, m.ReadBitsPerCycle, m.ReadEnergyPerBitPj)),
            core.Memories.Select(m => (m.Name, m.CapacityBits, m.ReadBitsPerCycle, m.ReadEnergyPerBitPj)));
    }

    [Theory]
    [InlineData("scar-3x3-het-sides-fixed", 9, 256 * 16)]
    [InlineData("scar-3x3-ws-arvr-fixed", 9, 256)]
    [InlineData("scar-6x6-het-cross-fixed", 36, 4096)]
    [InlineData("monolithic-os-fixed", 1, 4 * 4096)]
    public void Fixed_packages_have_the_layout_of_their_counterpart_with_fixed_chiplets(string name, int chiplets, int pes)
    {
        var package = HardwarePresets.CreatePackage(name, Tech);
        var counterpart = HardwarePresets.CreatePackage(name[..^HardwarePresets.FixedSuffix.Length], Tech);
        Assert.Equal(chiplets, package.Chiplets.Length);
        Assert.All(package.Chiplets, c => Assert.NotNull(c.Design.Cores[0].Fixed));
        Assert.All(package.Chiplets, c => Assert.Equal(pes, c.Design.Cores[0].Array.ProcessingElements));
        Assert.Equal(counterpart.Chiplets.Select(c => (c.Id, c.Design.Cores[0].Dataflow.Name)),
            package.Chiplets.Select(c => (c.Id, c.Design.Cores[0].Fixed!.Name.StartsWith("kcp_ws", StringComparison.Ordinal) ? Dataflows.WeightStationary : Dataflows.OutputStationary)));
        Assert.Equal(counterpart.Memories.Select(d => (d.Id, d.BandwidthBytesPerSecond, d.EnergyPerBitPj)),
            package.Memories.Select(d => (d.Id, d.BandwidthBytesPerSecond, d.EnergyPerBitPj)));
        Assert.Equal(HardwarePresets.Fixed(counterpart.Name), package.Name);
    }

    [Fact]
    public void A_matrix_product_on_the_fixed_os_chiplet_uses_one_pe_per_row_under_both_cost_models()
    {
        // 128 rows × 1024 → 1024. yxp_os spreads output rows over its 512 clusters and output columns over a cluster's 8
        // PEs; a matrix product read as a 1×1 convolution has its rows as output rows and one column: 128 PEs busy, so the
        // array needs MACs ÷ 128 cycles however the loops are ordered.
        var b = new GraphBuilder("gemm");
        var x = b.Input("x", 128, 1024);
        b.Linear(x, 1024, bias: false, "fc");
        var graph = b.Build();
        var op = graph.Operators[0];
        var core = HardwarePresets.CreateCore("scar-os-fixed", Tech);
        var offChip = TestHardware.OffChip(1e6);
        long macs = 128L * 1024 * 1024;
        foreach (var model in new IOperatorCostModel[] { new LoopNestCostModel(), new MaestroCostModel() })
            Assert.Equal(macs / 128.0, model.Evaluate(graph, op, core, offChip).ComputeCycles);
    }

    [Fact]
    public void A_matrix_product_on_the_fixed_ws_chiplet_reads_its_operands_from_dram_once_under_the_pinned_loops()
    {
        // kcp_ws pins K, C, Y and X in L2; a matrix product's rows take Y's place, so its 1 MiB of weights and 128 KiB of
        // inputs (int8) fit the 10 MB L2 and are read once — rows left outermost off chip would reread the weights per row.
        var b = new GraphBuilder("gemm");
        var x = b.Input("x", 128, 1024);
        b.Linear(x, 1024, bias: false, "fc");
        var graph = b.Build();
        var cost = new LoopNestCostModel().Evaluate(graph, graph.Operators[0], HardwarePresets.CreateCore("scar-ws-fixed", Tech), TestHardware.OffChip(1e6));
        Assert.Equal((1024.0 * 1024 + 128 * 1024) * 8, cost.OffChipReadBits);
    }
}
