using Tessera.Costs;
using Tessera.Costs.Maestro;
using Tessera.Costs.Mapping;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Interop.Stream;
using Tessera.Scoring;
using Tessera.Technology;
using Tessera.Tests.Cli;
using Tessera.Workloads;

namespace Tessera.Tests.Costs;

/// <summary>
/// In-memory-compute macros (ZigZag-IMC's model): hand-computed energies by component and cycles, ZigZag's published
/// clock periods, invariants, and that every cost model that costs the array uses the macro on an IMC core.
/// </summary>
public class ImcCostModelTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    /// <summary>C·V² in pJ per fF at ZigZag-IMC's 0.9 V.</summary>
    private const double PjPerFf = 0.81e-3;

    // One analog macro of 16 columns × 32 rows of 8-bit weights; 8-bit inputs, 2 per cycle; 6-bit ADCs.
    private const string AnalogCore = """
        name: imc-test
        chiplets:
          imc:
            cores:
              - name: macro
                array: {D1: 16, D2: 32}
                imc: {type: analog, columns: 16, rows: 32, input_bits: 8, weight_bits: 8, bit_serial: 2, adc_bits: 6}
                unrolling: {D1: [K, 16], D2: [C, 32]}
                frequency: 1 GHz
                memories:
                  - {name: buffer, size: 1 MiB, bandwidth: 100000, holds: [input, weight, output]}
        """;

    private static Core LoadCore(string yaml) => HardwareLoader.LoadCore(CliRunner.TempFile(yaml), Technology).Core;

    private static LoopNest Gemm(long rows, long outputs, long reduction)
    {
        var b = new GraphBuilder("gemm");
        b.Linear(b.Input("x", rows, reduction), outputs, bias: false);
        return ((ComputeOperator)b.Build().Operators[0]).Nest;
    }

    private static OperatorCost Map(LoopNest nest, Core core, Objective? objective = null) =>
        LoopNestCostModel.Search(nest, core, TestHardware.OffChip(1e9), new MappingSearchOptions(objective ?? Objective.Energy));

    [Fact]
    public void A_small_GEMM_on_one_analog_macro_costs_what_the_published_model_gives_by_hand()
    {
        // D 10 × K 32 × C 64 on K 16 × C 32: 2 × 2 weight tiles, each for 10 input rows = 40 steps of 4 cycles (8 bits, 2 per cycle).
        var nest = Gemm(10, 32, 64);
        var cost = Map(nest, LoadCore(AnalogCore));
        var d = cost.Details!;
        Assert.Equal(160, d.Latency.TemporalCycles);
        Assert.Equal(160, d.Latency.IdealCycles);
        Assert.Equal(160, cost.ComputeCycles);

        // 40 activations × 4 bit-slices = 160; every row and column of the macro is mapped.
        const double slices = 160;
        var e = d.Imc!;
        Assert.Equal(50 * 2 * PjPerFf * 32 * slices, e.DacPj, 9);                     // 2-bit DAC per row
        Assert.Equal((100 * 6 + 0.001 * 4096) * PjPerFf * 8 * 16 * slices, e.AdcPj, 9); // 6-bit ADC per weight bit of a column
        Assert.Equal(0.35 * PjPerFf * 8 * 16 * 32 * slices, e.MultiplierPj, 9);
        Assert.Equal(0.35 * PjPerFf * 8 * 16 * 32 * slices, e.BitlinePj, 9);
        Assert.Equal(0, e.AdderTreePj);
        // Place values of 8 weight bits from 6-bit ADCs: 6·7 + 8·(3 − ½) = 62 full adders per column.
        Assert.Equal(4.2 * PjPerFf * 62 * 16 * slices, e.PlaceValuePj, 9);
        // Accumulator of 8 + 8 + 6 = 22 bits per column: a full adder and a flip-flop per bit.
        Assert.Equal((4.2 + 2.1) * PjPerFf * 22 * 16 * slices, e.AccumulatorPj, 9);
        Assert.Equal(e.TotalPj, cost.Energy.ComputePj, 9);

        // Weight loading: each of the 2048 weights is written into the cells once (0.095 pJ per 8-bit word).
        var cells = d.Accesses.Single(a => a.Level == "cells");
        Assert.Equal(2048 * 8, cells.WriteBits);
        Assert.Equal(2048 * 0.095, cells.EnergyPj, 9);
    }

    [Fact]
    public void A_digital_macro_sums_the_mapped_rows_in_adder_trees_that_idle_where_no_input_arrives()
    {
        var circuit = ImcCircuit.From(Technology);
        // 4 columns × 8 rows of 2-bit weights, 4-bit inputs 1 bit per cycle; 6 of the 8 rows mapped: one activation, 4 slices.
        var macro = new ImcMacro(ImcKind.Digital, "D1", "D2", 4, 8, 4, 2, 1, 0, circuit);
        SpatialFactor[] factors = [new("D1", "K", 4, 4), new("D2", "C", 8, 6)];
        var e = ImcEnergyModel.Of(macro, factors, 4 * 6);
        // All 4 × 8 × 2 one-bit multipliers switch each slice.
        Assert.Equal(0.35 * PjPerFf * 1 * 2 * 4 * 8 * 4, e.MultiplierPj, 12);
        // Tree over 8 leaves with 6 live: root (4 bits) and the full left half (3 + 2 + 2 bits) switch fully, the right
        // half's root (3 bits) has one live input and switches its XORs only, its live pair (2 bits) fully.
        double tree = (4 + 3 + 2 + 2 + 2) * 4.2 * PjPerFf + 3 * 2.1 * PjPerFf;
        Assert.Equal(tree * 4 * 4, e.AdderTreePj, 12);
        Assert.Equal(0, e.PlaceValuePj);                                   // one input bit per cycle: no place values to merge
        Assert.Equal((4.2 + 2.1) * PjPerFf * (4 + 2 + 3) * 4 * 4, e.AccumulatorPj, 12);
        Assert.Equal(0, e.DacPj + e.AdcPj + e.BitlinePj);
        // Critical path: multiplier, a 3-level tree rippling over 5 − 2 bits, an accumulator rippling 9 − 5 − 1 bits.
        Assert.Equal(0.0478 + 2 * 0.22944 + 0.21032 + 3 * 0.0956 + 0.21032 + 3 * 0.0956, macro.ClockPeriodNs, 12);
    }

    [Fact]
    public void A_full_adder_tree_has_ZigZag_IMCs_closed_form_count()
    {
        var circuit = ImcCircuit.From(Technology);
        // N(p + 1) − (p + log₂N + 1) full adders: 128 inputs of 8 bits → 1136.
        Assert.Equal(1136 * circuit.Pj(circuit.FullAdderFf), ImcEnergyModel.AdderTreePj(circuit, 128, 8, 128), 9);
        Assert.Equal(1136 * circuit.Pj(circuit.FullAdderFf), ImcEnergyModel.AdderTreePj(circuit, 128, 8, 500), 9);
        Assert.Equal(0, ImcEnergyModel.AdderTreePj(circuit, 128, 8, 0));
    }

    [Theory]
    [InlineData("aimc", 14.07244)]
    [InlineData("dimc", 3.75708)]
    public void ZigZags_macros_have_the_clock_period_ZigZag_publishes(string file, double tclkNs)
    {
        var (core, _) = StreamHardwareImporter.LoadCore(TestData.Shared("data", "zigzag", "hardware", file + ".yaml"), Technology);
        var macro = core!.Array.Imc!;
        Assert.Equal(tclkNs, macro.ClockPeriodNs, 9);
        Assert.Equal((128, 128, 8, 8), (macro.Columns, macro.Rows, macro.InputBits, macro.WeightBits));
        Assert.Equal(file == "aimc" ? (ImcKind.Analog, 2, 8) : (ImcKind.Digital, 1, 0), (macro.Kind, macro.BitSerialBits, macro.AdcBits));
        // Without a mapping file the macro's own unrolling: output channels on the columns, input channels on the rows.
        var factors = SpatialMapping.Unroll(Gemm(4, 256, 512), core.Dataflow);
        Assert.Equal([("D1", "K", 128), ("D2", "C", 128)], factors.Select(f => (f.Axis, f.Dimension, f.Factor)));
    }

    [Fact]
    public void Energy_grows_with_ADC_resolution_and_the_clock_period_with_it()
    {
        var nest = Gemm(10, 32, 64);
        var core = LoadCore(AnalogCore);
        var macro = core.Array.Imc!;
        double lastEnergy = 0, lastPeriod = 0;
        for (int bits = 1; bits <= 12; bits++)
        {
            var costed = Map(nest, core with { Array = core.Array with { Imc = macro with { AdcBits = bits } } });
            Assert.True(costed.Energy.TotalPj > lastEnergy, $"{bits}-bit ADC: {costed.Energy.TotalPj} pJ, not above {lastEnergy}");
            double period = (macro with { AdcBits = bits }).ClockPeriodNs;
            Assert.True(period > lastPeriod);
            (lastEnergy, lastPeriod) = (costed.Energy.TotalPj, period);
        }
    }

    [Fact]
    public void Cycles_grow_with_input_precision_one_bit_slice_per_cycle()
    {
        var nest = Gemm(10, 32, 64);
        var core = LoadCore(AnalogCore);
        double last = 0;
        foreach (int bits in new[] { 2, 4, 8, 16 })
        {
            var macro = core.Array.Imc! with { InputBits = bits, BitSerialBits = 2 };
            var costed = Map(nest, core with { Array = core.Array with { Imc = macro } }, Objective.Latency);
            Assert.Equal(40 * bits / 2, costed.ComputeCycles);
            Assert.True(costed.Cycles > last);
            last = costed.Cycles;
        }
    }

    [Fact]
    public void Every_model_that_costs_the_array_costs_an_IMC_core_by_its_macro()
    {
        var nest = Gemm(10, 32, 64);
        var core = LoadCore(AnalogCore);
        double macro = ImcEnergyModel.Of(core.Array.Imc!, SpatialMapping.Unroll(nest, core.Dataflow), nest.Macs).TotalPj;
        var offChip = TestHardware.OffChip(1e9);
        foreach (var name in new[] { "loopnest", "roofline" })
        {
            var cost = CostModels.Create(name).Evaluate(nest, core, offChip);
            Assert.Equal(macro, cost.Energy.ComputePj, 9);
            Assert.NotEqual(nest.Macs * core.Array.MacEnergyPj, cost.Energy.ComputePj, 3);
            Assert.Equal(160, cost.ComputeCycles);
        }
        var e = Assert.Throws<TesseraInputException>(() => new MaestroCostModel().Evaluate(nest, core, offChip));
        Assert.Contains("in-memory-compute", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZigZags_latency_rule_gives_memories_a_cycle_per_step_and_changes_nothing_on_digital_cores()
    {
        var nest = Gemm(10, 32, 64);
        var slow = TestHardware.OffChip(4);
        var imc = LoadCore(AnalogCore);
        var latency = new MappingSearchOptions(Objective.Latency);
        var tessera = LoopNestCostModel.Search(nest, imc, slow, latency);
        var zigZag = LoopNestCostModel.Search(nest, imc, slow, latency with { ZigZagImcLatency = true });
        // Same steps; with a step's 4 cycles counted as one, every transfer has less time and stalls at least as long.
        Assert.Equal(tessera.Details!.Latency.TemporalCycles, zigZag.Details!.Latency.TemporalCycles);
        Assert.True(zigZag.Cycles > tessera.Cycles, $"{zigZag.Cycles} vs {tessera.Cycles}");
        var digital = TestHardware.Core();
        var a = LoopNestCostModel.Search(nest, digital, slow, latency);
        var b = CostModels.Create("loopnest-zigzag-imc").Evaluate(nest, digital, slow);
        Assert.Equal(a.Cycles, LoopNestCostModel.Search(nest, digital, slow, latency with { ZigZagImcLatency = true }).Cycles);
        Assert.Equal(new LoopNestCostModel().Evaluate(nest, digital, slow).Energy, b.Energy);
    }

    [Fact]
    public void Tessera_run_costs_the_IMC_cores_of_a_package_by_their_macros()
    {
        var workload = TestData.Shared("data", "stream-tutorial", "lab1", "workload", "4_convs.onnx");
        var package = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "examples", "imc-package.yaml");
        var core = HardwareLoader.LoadCore(package, Technology).Core;
        var graph = Workloads.Onnx.OnnxImporter.Load(workload, new Workloads.Onnx.OnnxImportOptions(1, 8));
        double expectedJ = graph.Operators.OfType<ComputeOperator>()
            .Sum(op => ImcEnergyModel.Of(core.Array.Imc!, SpatialMapping.Unroll(op.Nest, core.Dataflow), op.Nest.Macs).TotalPj) * 1e-12;
        foreach (var model in new[] { "loopnest", "roofline" })
        {
            var run = CliRunner.Run("run", "--hardware", package, "--workload", workload, "--partition", "lbl", "--cost-model", model, "--json");
            Assert.True(run.ExitCode == 0, run.Error);
            Assert.Equal(expectedJ, run.Json.GetProperty("energy").GetProperty("computeJ").GetDouble(), 12);
        }
    }
}
