using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Simulation;
using Tessera.Workloads;

namespace Tessera.Tests.Simulation;

public class LayerByLayerEvaluatorTests
{
    private static readonly LayerByLayerEvaluator Evaluator = new(new RooflineCostModel());

    [Fact]
    public void Two_models_on_two_chiplets_run_side_by_side()
    {
        var a = new ModelInstance("a", TestHardware.MatMulChain("a", 4), 1);
        var b = new ModelInstance("b", TestHardware.MatMulChain("b", 4), 1);
        var alone = Evaluator.Evaluate("alone", TestHardware.Row(2), [a]);
        var together = Evaluator.Evaluate("together", TestHardware.Row(2), [a, b]);
        Assert.Equal(alone.LatencySeconds, together.LatencySeconds, alone.LatencySeconds * 1e-12);
        Assert.Equal(2 * alone.Energy.ComputeJ, together.Energy.ComputeJ, alone.Energy.ComputeJ * 1e-12);
        Assert.Equal(2, together.Placements.Select(p => p.Chiplet).Distinct().Count());
    }

    [Fact]
    public void One_chiplet_serialises_two_models()
    {
        var a = new ModelInstance("a", TestHardware.MatMulChain("a", 3), 1);
        var b = new ModelInstance("b", TestHardware.MatMulChain("b", 3), 1);
        var alone = Evaluator.Evaluate("alone", TestHardware.Row(1), [a]);
        var together = Evaluator.Evaluate("together", TestHardware.Row(1), [a, b]);
        Assert.Equal(2 * alone.LatencySeconds, together.LatencySeconds, alone.LatencySeconds * 1e-12);
        // No operator starts before its producer ends, and a core never runs two operators at once.
        foreach (var core in together.Placements.GroupBy(p => p.Chiplet))
        {
            var ordered = core.OrderBy(p => p.StartSeconds).ToList();
            for (int i = 1; i < ordered.Count; i++)
                Assert.True(ordered[i].StartSeconds >= ordered[i - 1].EndSeconds - 1e-15);
        }
    }

    [Fact]
    public void Far_chiplets_pay_more_link_energy_per_byte()
    {
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 1), 1);
        var result = Evaluator.Evaluate("s", TestHardware.Row(1, linkPjPerBit: 2), [model]);
        var bytes = model.Graph.Statistics(model.Graph.Operators[0]).TotalBytes;
        Assert.Equal(bytes * 8 * 2 * 1e-12, result.Energy.InterconnectJ, bytes * 1e-21);
        Assert.Equal(result.Energy.TotalJ * result.LatencySeconds, result.Edp, result.Edp * 1e-12);
    }

    [Fact]
    public void Energy_covers_every_MAC_and_latency_every_cycle()
    {
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 5, 128, 96), 1);
        var result = Evaluator.Evaluate("s", TestHardware.Row(3), [model]);
        var core = TestHardware.Core();
        Assert.True(result.Energy.ComputeJ >= model.Graph.Macs * core.Array.MacEnergyPj * 1e-12 * (1 - 1e-12));
        Assert.True(result.LatencySeconds >= model.Graph.Macs / (double)core.PeakMacsPerCycle / core.FrequencyHz);
    }

    [Fact]
    public void A_chiplet_without_a_path_to_memory_is_reported()
    {
        var design = new Chiplet("c", [TestHardware.Core()], "28nm");
        var package = new Package("island", [new ChipletInstance("c0", design, 0, 0)], [new MemoryDevice("dram", "t", 1e9, 1, 0, 1)], []);
        var model = new ModelInstance("m", TestHardware.MatMulChain("m", 1), 1);
        var e = Assert.Throws<TesseraInputException>(() => Evaluator.Evaluate("s", package, [model]));
        Assert.Contains("c0", e.Message);
    }

    [Fact]
    public void A_link_to_a_missing_chiplet_is_reported()
    {
        var design = new Chiplet("c", [TestHardware.Core()], "28nm");
        var e = Assert.Throws<TesseraInputException>(() => new Package("p", [new ChipletInstance("c0", design, 0, 0)], [],
            [new Link("c0", "c9", 1e9, 1, 0)], "p.yaml"));
        Assert.Contains("c9", e.Message);
        Assert.StartsWith("p.yaml", e.Message);
    }
}
