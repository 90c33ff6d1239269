using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Tests.Costs;

/// <summary>Mappings small enough to count every access by hand.</summary>
public class HandComputedMappingTests
{
    private static readonly OperandRole[] All = [OperandRole.Input, OperandRole.Weight, OperandRole.Output];

    /// <summary>One PE, one on-chip buffer (read 1 pJ/bit, write 2 pJ/bit, 8 bits/cycle per port), DRAM 10 pJ/bit at 64 bits/cycle.</summary>
    private static (Core Core, MemoryLevel OffChip) TwoLevels(long bufferBits) => (
        new Core("tiny", new PeArray([new ArrayAxis("D1", 1)], 1, 8), new SpatialUnrolling("none", [new AxisUnrolling("D1", [])]), 1e9,
            [new MemoryLevel("buffer", bufferBits, 8, 8, 1, 2, [.. All], ["D1"])]),
        new MemoryLevel("dram", long.MaxValue, 64, 64, 10, 10, [.. All], [], SharedReadWritePort: true));

    private static MappingEvaluator Evaluator(LoopNest nest, Core core, MemoryLevel offChip, (string Dim, long Factor)[] loops)
    {
        var problem = new MappingProblem(nest, core, offChip);
        var evaluator = new MappingEvaluator(problem);
        var index = problem.DimNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        evaluator.SetOrdering([.. loops.Select(l => index[l.Dim])], [.. loops.Select(l => l.Factor)]);
        return evaluator;
    }

    private static LevelAccess Access(MappingEvaluator e, string level, OperandRole role) =>
        e.Describe().Accesses.Single(a => a.Level == level && a.Operand == role);

    [Fact]
    public void Gemm_on_a_two_level_hierarchy_matches_hand_counts()
    {
        // O[d][k] += I[d][c]·W[c][k], D = K = C = 2, 8-bit operands, 16-bit partial sums, loops innermost first C2, K2,
        // D2 (8 MACs). The buffer holds 40 bits and each operand keeps its own loops there. O accumulates over C in the
        // buffer, so it is stored as a 16-bit partial sum: with C below its cut O takes 16 bits, with C and K 32. The
        // combinations that fit move, per operator, between buffer and DRAM: I 64 bits with no loop below its cut, 32
        // with C or C K (K leaves I in place); W 64 with none or C (K indexes W), 32 with C K; O 32 (4 final values) with
        // C, 16 with C K. The least traffic that fits 40 bits is 128 bits, reached by I C K (16 bits) + W none (8) + O C
        // (16) and by I C + W C + O C; ties go to the first operand's larger cut, as in LOMA: I keeps C K, W nothing, O C.
        //
        // Buffer → PE: I and W are read every MAC (C indexes both): 8 + 8 reads. O: with no output register the sum is
        //   written every MAC (8 writes of 16 bits) and read back to accumulate except the first time of each output
        //   (8 − K·D = 4 reads of 16 bits).
        // DRAM → buffer: I stays across K: tile C → 2 elements, 2 fills = 4 writes. W: 8 fills of 1 = 8. O: 4 final values
        //   go up (4 buffer reads of 8 bits, 4 DRAM writes).
        // Energy = 8 MACs × 1 + buffer reads (64 + 64 + 64 + 32 bits) × 1 + writes (32 + 64 + 128) × 2 + DRAM (96 + 32) × 10
        //   = 8 + 224 + 448 + 1280 = 1960 pJ.
        // Latency (ZigZag's terms). Double-buffering: the effective tiles (O 16, W 8, I 16 bits) fill all 40 bits, so none
        //   double-buffers. Per-port stall/slack: read port: I, W (1 cycle per 1-cycle period: 0), O partial sums (2 cycles
        //   per 1: +1 × 7 periods = 7), O up (1 per 2 ÷ C2 = 1: 0); stalls add, and the windows (7 + 7 + 7 + 3 = 24) exceed
        //   their union (8 cycles) by 16 → 23. Write port: O from the PEs +7, W fills 0, I fills (2 cycles per 4 ÷ K2:
        //   0); windows 7 + 7 + 2 over 8 → 7 + 8 = 15. DRAM: I −1 (1 cycle in 2), W 0, O 0; −1 + (2 + 7 + 3 − 8) = 3.
        // On-loading: I 2 cycles (16 bits into the 8-bit write port), W 1, over ports both inputs share: 2 + 1 = 3.
        // Off-loading: one final output, 1 cycle. Total = 8 + 23 + 3 + 1 = 35.
        var nest = LoopNests.MatMul("I", "W", "O", 1, 2, 2, 2);
        var (core, dram) = TwoLevels(40);
        var e = Evaluator(nest, core, dram, [("C", 2), ("K", 2), ("D", 2)]);
        e.Allocate();
        Assert.Equal((2, 0, 1), (e.CutOf(0, 0), e.CutOf(0, 1), e.CutOf(0, 2)));
        var score = e.Evaluate();

        Assert.Equal((8, 4), (Access(e, "buffer", OperandRole.Input).Reads, Access(e, "buffer", OperandRole.Input).Writes));
        Assert.Equal((8, 8), (Access(e, "buffer", OperandRole.Weight).Reads, Access(e, "buffer", OperandRole.Weight).Writes));
        Assert.Equal((8, 8), (Access(e, "buffer", OperandRole.Output).Reads, Access(e, "buffer", OperandRole.Output).Writes));
        Assert.Equal((4, 0), (Access(e, "dram", OperandRole.Input).Reads, Access(e, "dram", OperandRole.Input).Writes));
        Assert.Equal((8, 0), (Access(e, "dram", OperandRole.Weight).Reads, Access(e, "dram", OperandRole.Weight).Writes));
        Assert.Equal((0, 4), (Access(e, "dram", OperandRole.Output).Reads, Access(e, "dram", OperandRole.Output).Writes));
        Assert.Equal(1960, score.EnergyPj, 9);
        var latency = e.Describe().Latency;
        Assert.Equal((8, 23, 3, 1), (latency.TemporalCycles, latency.StallCycles, latency.OnloadCycles, latency.OffloadCycles));
        Assert.Equal("buffer.r", latency.StallPort);
        Assert.Equal([23, 15, 3], latency.Ports.Select(p => p.StallCycles));
        Assert.Equal(35, score.Cycles, 9);
        Assert.Equal(40, e.Describe().Footprints.Single().Bits);
    }

    [Fact]
    public void Partial_sums_travel_both_ways_when_a_reduction_loop_sits_above_the_level()
    {
        // Same GEMM, order K2, D2, C2 with only K in the buffer: C (reduction) is outermost, in DRAM.
        // buffer ← DRAM (K below; D2 C2 above, 4 iterations): O's first loop above is D (relevant) → 4 flushes of tile 2
        //   = 8 DRAM writes; distinct output tiles = D = 2 → first writes 2·2 = 4, so 8 − 4 = 4 partial-sum reads back.
        var nest = LoopNests.MatMul("I", "W", "O", 1, 2, 2, 2);
        var (core, dram) = TwoLevels(1 << 20);
        var e = Evaluator(nest, core, dram, [("K", 2), ("D", 2), ("C", 2)]);
        e.SetLevelCuts([1]);
        e.Evaluate();
        Assert.Equal((4, 8), (Access(e, "dram", OperandRole.Output).Reads, Access(e, "dram", OperandRole.Output).Writes));
        // Unique outputs are 4: DRAM writes − partial-sum reads = final writes.
        Assert.Equal(4, Access(e, "dram", OperandRole.Output).Writes - Access(e, "dram", OperandRole.Output).Reads);
    }

    [Fact]
    public void Weight_and_output_stationary_orders_reuse_what_they_keep_in_the_PE()
    {
        // Conv K1 C2 OY2 OX2 FY2 FX1 (16 MACs) on one PE with a big buffer holding everything (all loops in the buffer).
        var nest = LoopNests.Convolution("I", "W", "O", 1, 1, 1, 2, 2, 2, 2, 1);
        var (core, dram) = TwoLevels(1 << 20);

        // Weight-stationary: output pixels innermost (irrelevant to W) → each weight is read once per 4 pixels:
        // 16 / (OX2·OY2) = 4 weight reads; O's innermost loop OX is relevant → 16 output writes and 16 − 4 = 12
        // partial-sum reads, plus 4 reads that send the finished outputs to DRAM = 16 buffer reads.
        var ws = Evaluator(nest, core, dram, [("OX", 2), ("OY", 2), ("FY", 2), ("C", 2)]);
        ws.SetLevelCuts([4]);
        ws.Evaluate();
        Assert.Equal(4, Access(ws, "buffer", OperandRole.Weight).Reads);
        Assert.Equal(16, Access(ws, "buffer", OperandRole.Output).Writes);
        Assert.Equal(12 + 4, Access(ws, "buffer", OperandRole.Output).Reads);

        // Output-stationary order (reductions innermost) on a PE without an output register: the sum still goes to the
        // buffer every MAC (16 writes, 12 read back, 4 sent up), as in ZigZag, where only inputs stay at the MAC; the
        // weights are read every MAC (16). The reuse needs a register level for outputs (next test).
        var os = Evaluator(nest, core, dram, [("FY", 2), ("C", 2), ("OX", 2), ("OY", 2)]);
        os.SetLevelCuts([4]);
        os.Evaluate();
        Assert.Equal(16, Access(os, "buffer", OperandRole.Weight).Reads);
        Assert.Equal(16, Access(os, "buffer", OperandRole.Output).Writes);
        Assert.Equal(12 + 4, Access(os, "buffer", OperandRole.Output).Reads);

        // Either way DRAM sees each operand once: inputs (C2 · IY3 · IX2 = 12), weights 4, outputs 4.
        foreach (var e in new[] { ws, os })
        {
            Assert.Equal(12, Access(e, "dram", OperandRole.Input).Reads);
            Assert.Equal(4, Access(e, "dram", OperandRole.Weight).Reads);
            Assert.Equal(4, Access(e, "dram", OperandRole.Output).Writes);
        }
    }

    [Fact]
    public void Spatial_broadcast_reads_a_shared_operand_once_for_all_PEs()
    {
        // K unrolled by 4 on D1: the input does not depend on K, so one buffer read feeds 4 PEs; outputs differ per PE.
        // GEMM D1 K4 C2: 2 temporal steps (C). Input reads = 2 (one per step), weight reads = 8, output writes 2 × 4 (no
        // output register: each step's sums are written, the second after reading back the first), and the spatial
        // utilisation is full.
        var nest = LoopNests.MatMul("I", "W", "O", 1, 1, 4, 2);
        var all = new[] { OperandRole.Input, OperandRole.Weight, OperandRole.Output };
        var core = new Core("k4", new PeArray([new ArrayAxis("D1", 4)], 1, 8), new SpatialUnrolling("k", [new AxisUnrolling("D1", [("K", 4)])]), 1e9,
            [new MemoryLevel("buffer", 1 << 20, 64, 64, 1, 1, [.. all], ["D1"])]);
        var dram = new MemoryLevel("dram", long.MaxValue, 64, 64, 10, 10, [.. all], [], SharedReadWritePort: true);
        var e = Evaluator(nest, core, dram, [("C", 2)]);
        e.SetLevelCuts([1]);
        e.Evaluate();
        Assert.Equal(2, Access(e, "buffer", OperandRole.Input).Reads);
        Assert.Equal(8, Access(e, "buffer", OperandRole.Weight).Reads);
        Assert.Equal(8, Access(e, "buffer", OperandRole.Output).Writes);
        var cost = LoopNestCostModel.Search(nest, core, dram, MappingSearchOptions.Default);
        Assert.Equal(1.0, cost.Details!.Spatial.Utilisation, 9);
        Assert.Equal(2, cost.ComputeCycles);
    }

    [Fact]
    public void A_register_that_accumulates_holds_partial_sums_not_final_values()
    {
        // GEMM D4 K1 C2 with D unrolled on a 4-PE axis that one output register serves: the register holds 4 outputs.
        // As final 8-bit values they would fill its 32 bits; while it sums over C (temporal, 2 steps) they are 16-bit
        // partial sums, 64 bits, so no mapping fits a 32-bit register and a 64-bit one holds exactly them.
        var nest = LoopNests.MatMul("I", "W", "O", 1, 4, 1, 2);
        var all = new[] { OperandRole.Input, OperandRole.Weight, OperandRole.Output };
        Core WithRegister(long bits) => new("acc", new PeArray([new ArrayAxis("D1", 4)], 1, 8), new SpatialUnrolling("d", [new AxisUnrolling("D1", [("D", 4)])]), 1e9,
            [new MemoryLevel("reg", bits, 64, 64, 1, 1, [OperandRole.Output], ["D1"]), new MemoryLevel("buffer", 1 << 20, 64, 64, 1, 1, [.. all], ["D1"])]);
        var dram = new MemoryLevel("dram", long.MaxValue, 64, 64, 10, 10, [.. all], [], SharedReadWritePort: true);
        Assert.Throws<Tessera.Diagnostics.InfeasibleException>(() => LoopNestCostModel.Search(nest, WithRegister(32), dram, MappingSearchOptions.Default));
        var cost = LoopNestCostModel.Search(nest, WithRegister(64), dram, MappingSearchOptions.Default);
        Assert.Equal(64, cost.Details!.Footprints.Single(f => f.Level == "reg").Bits);
    }

    [Fact]
    public void An_operand_that_no_level_can_hold_is_an_input_error_naming_operand_and_level()
    {
        var nest = LoopNests.MatMul("act", "wgt", "out", 1, 2, 2, 2, leftBits: 16);
        var all = new[] { OperandRole.Input, OperandRole.Weight, OperandRole.Output };
        var core = new Core("small", new PeArray([new ArrayAxis("D1", 1)], 1, 8), new SpatialUnrolling("none", []), 1e9,
            [new MemoryLevel("reg", 8, 8, 8, 1, 1, [OperandRole.Input], []), new MemoryLevel("buffer", 1 << 20, 8, 8, 1, 1, [.. all], [])]);
        var dram = new MemoryLevel("dram", long.MaxValue, 64, 64, 10, 10, [.. all], [], SharedReadWritePort: true);
        var e = Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() => new LoopNestCostModel().Evaluate(nest, core, dram));
        Assert.Contains("input", e.Message, StringComparison.Ordinal);
        Assert.Contains("'reg'", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>Vector work on the vector unit or the PE array, with its traffic through the outermost levels.</summary>
public class VectorWorkCostTests
{
    [Fact]
    public void Vector_work_streams_through_the_outermost_levels_and_dram()
    {
        // 1000 ops on 16 PEs (no vector unit) → ⌈1000/16⌉ = 63 cycles of compute at the MAC energy (1 pJ).
        // 64 B in + 64 B out = 512 + 512 bits: the buffer (0.5 pJ/bit read and write) sees each bit written and read
        // once = 1024 · 1 pJ; DRAM at 10 pJ/bit: 1024 · 10 pJ. DRAM at 8 bits/cycle over one port: 128 cycles.
        var core = TestHardware.Core();
        var cost = new LoopNestCostModel().Evaluate(new VectorWork(1000, 64, 64), core, TestHardware.OffChip(8, 10));
        Assert.Equal(63, cost.ComputeCycles);
        Assert.Equal(128, cost.Cycles);
        Assert.Equal("off-chip bandwidth", cost.BoundBy);
        Assert.Equal(1000, cost.Energy.ComputePj, 9);
        Assert.Equal(1024, cost.Energy.OnChipMemoryPj, 9);
        Assert.Equal(10240, cost.Energy.OffChipMemoryPj, 9);
    }
}
