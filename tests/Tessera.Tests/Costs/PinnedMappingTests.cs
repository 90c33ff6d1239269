using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Hardware.Maestro;
using Tessera.Hardware.Presets;
using Tessera.Scoring;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Tests.Costs;

/// <summary>The loop-nest model restricted to a core's pinned temporal mapping (Timeloop-style mapping constraints).</summary>
public class PinnedMappingTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();
    private static readonly MemoryLevel Dram = TestHardware.OffChip(64, 10);

    /// <summary>A 3×3 convolution, 8→8 channels on 6×6 outputs, on the 4×4 test core (K and C unrolled by 4).</summary>
    private static readonly LoopNest Conv = LoopNests.Convolution("I", "W", "O", 1, 1, 8, 8, 6, 6, 3, 3);

    private static Core Pinned(params PinnedLevel[] levels) =>
        TestHardware.Core() with { Fixed = new FixedDataflow("test", null, new PinnedMapping([.. levels])) };

    private static PinnedLoop L(string dim, PinnedFactor kind = PinnedFactor.All, long factor = 0) => new(dim, kind, factor);

    [Fact]
    public void A_fully_pinned_mapping_is_the_one_mapping_evaluated_with_its_loops_in_place()
    {
        var core = Pinned(new PinnedLevel("buffer", [L("FY"), L("FX"), L("OX", PinnedFactor.Exact, 4)]),
            new PinnedLevel(PinnedLevel.OffChip, [L("K"), L("C"), L("OY"), L("OX")]));
        var details = LoopNestCostModel.Search(Conv, core, Dram, MappingSearchOptions.Default).Details!;
        Assert.Equal(1, details.MappingsEvaluated);
        Assert.True(details.Exhaustive);
        // Innermost first: the buffer's loops reversed, then off-chip's. OX 6 pinned to at most 4 takes its largest
        // divisor 3, the rest (2) goes off-chip; K and C are 8 / 4 unrolled = 2 iterations each.
        Assert.Equal([("OX", 3L), ("FX", 3L), ("FY", 3L), ("OX", 2L), ("OY", 6L), ("C", 2L), ("K", 2L)],
            details.Temporal.Loops.Select(l => (l.Dimension, l.Factor)));
        Assert.All(details.Temporal.Allocations, a => Assert.Equal(3, a.LoopsBelow[0]));
    }

    [Fact]
    public void A_searched_factor_is_the_best_of_its_divisors_and_no_better_than_the_free_search()
    {
        // 2×6 outputs: the free search's 7 prime loops (K2 C2 OY2 OX2 OX3 FY3 FX3) are few enough to enumerate every
        // ordering and allocation, and each pinned candidate is one of them.
        var conv = LoopNests.Convolution("I", "W", "O", 1, 1, 8, 8, 2, 6, 3, 3);
        PinnedLevel Buffer(PinnedLoop ox) => new("buffer", [L("FY"), L("FX"), ox]);
        var options = new MappingSearchOptions(Objective.Energy);
        var searched = LoopNestCostModel.Search(conv, Pinned(Buffer(L("OX", PinnedFactor.Searched))), Dram, options);
        Assert.Equal(4, searched.Details!.MappingsEvaluated); // OX = 6: divisors 6, 3, 2, 1
        var each = new[] { 1L, 2, 3, 6 }.Select(f => LoopNestCostModel.Search(conv, Pinned(Buffer(L("OX", PinnedFactor.Exact, f))), Dram, options));
        Assert.Equal(each.Min(c => c.Energy.TotalPj), searched.Energy.TotalPj, 6);
        var free = LoopNestCostModel.Search(conv, TestHardware.Core(), Dram, options with { AllAllocations = true });
        Assert.True(free.Details!.Exhaustive);
        Assert.True(free.Energy.TotalPj <= searched.Energy.TotalPj + 1e-9);
    }

    [Fact]
    public void A_pinned_tile_larger_than_its_level_is_infeasible_for_that_layer()
    {
        var tiny = TestHardware.Core() with
        {
            Memories = [TestHardware.Core().Memories[0] with { CapacityBits = 1024 }],
            Fixed = new FixedDataflow("test", null, new PinnedMapping([new PinnedLevel("buffer", [L("OY"), L("OX"), L("FY"), L("FX")])])),
        };
        var e = Assert.Throws<InfeasibleException>(() => new LoopNestCostModel().Evaluate(Conv, tiny, Dram));
        Assert.Contains("fits the memories", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Levels_out_of_order_or_unknown_are_refused_with_the_core_named()
    {
        var unknown = Pinned(new PinnedLevel("bufer", [L("FY")]));
        var e = Assert.Throws<TesseraInputException>(() => new LoopNestCostModel().Evaluate(Conv, unknown, Dram));
        Assert.Contains("did you mean 'buffer'", e.Message, StringComparison.Ordinal);
        var reversed = Pinned(new PinnedLevel(PinnedLevel.OffChip, [L("K")]), new PinnedLevel("buffer", [L("FY")]));
        Assert.Throws<TesseraInputException>(() => new LoopNestCostModel().Evaluate(Conv, reversed, Dram));
    }

    [Fact]
    public void MAESTRO_dataflows_translate_to_a_spatial_unrolling_and_pinned_loops()
    {
        var kcp = MaestroDataflows.Create("kcp_ws", Tech);
        var unrolling = MaestroLoopNest.Unrolling(kcp, [new ArrayAxis("D1", 64), new ArrayAxis("D2", 64)])!;
        Assert.Equal([("K", 64), ("C", 64)], unrolling.Axes.Select(a => a.Factors.Single()));
        var pinned = MaestroLoopNest.Temporal(kcp, ["pe-buffer", "l2"])!;
        Assert.Equal("pe-buffer[FY:all FX:all] l2[B:search K:search C:search OY:search OX:search] offchip[B:all K:all C:all OY:all OX:all]",
            pinned.ToString());
        var yxp = MaestroLoopNest.Unrolling(MaestroDataflows.Create("yxp_os", Tech), [new ArrayAxis("D1", 64), new ArrayAxis("D2", 64)])!;
        Assert.Equal([("OY", 64), ("OX", 64)], yxp.Axes.Select(a => a.Factors.Single()));
    }

    [Fact]
    public void A_SCAR_chiplet_fixed_to_kcp_ws_writes_each_weight_into_its_PE_once()
    {
        // kcp_ws keeps the whole filter window in the PE: its weight tile there is R×S, refilled only when K or C advances.
        var core = FixedDataflows.Fix(HardwarePresets.CreateCore("scar-ws", Tech), MaestroDataflows.Create("kcp_ws", Tech), null);
        var conv = LoopNests.Convolution("I", "W", "O", 1, 1, 256, 256, 14, 14, 3, 3);
        var dram = TestHardware.OffChip(1024, 10);
        var fixedCost = new LoopNestCostModel().Evaluate(conv, core, dram);
        var weights = fixedCost.Details!.Accesses.Single(a => a.Level == "pe-buffer" && a.Operand == OperandRole.Weight);
        Assert.Equal(256L * 256 * 9, (long)weights.Writes); // each weight written into a PE once
    }
}
