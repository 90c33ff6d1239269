using Tessera.Interop.Stream;
using Tessera.Technology;

namespace Tessera.Tests.Costs;

/// <summary>ZigZag/Stream core files as `tessera map` reads them.</summary>
public class CoreFileTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    [Fact]
    public void A_ZigZag_core_with_duplicate_keys_and_a_dram_level_splits_into_core_and_off_chip()
    {
        // tpu_like.yaml repeats `ports:` under sram_2MB (PyYAML keeps the last one) and ends with a 10 GB dram level.
        var (core, offChip) = StreamHardwareImporter.LoadCore(TestData.Shared("data", "zigzag", "hardware", "tpu_like.yaml"), Technology);
        Assert.NotNull(core);
        Assert.Equal(["rf_128B", "rf_2B", "sram_2MB"], core.Memories.Select(m => m.Name));
        Assert.NotNull(offChip);
        Assert.Equal("dram", offChip.Name);
        Assert.True(offChip.SharedReadWritePort);
        Assert.Equal(64, offChip.ReadBitsPerCycle);
        Assert.Equal(700.0 / 64, offChip.ReadEnergyPerBitPj, 9);
        Assert.Equal(2048, core.Memories[2].ReadBitsPerCycle);
    }

    [Fact]
    public void Without_a_mapping_the_unrolling_respects_registers_shared_along_an_axis()
    {
        // accelerator1: the 4-byte output register is shared along D1 (so D1 unrolls a reduction, C) and the 1-byte input
        // register along D2 (so D2 unrolls what inputs do not depend on, K).
        var (core, offChip) = StreamHardwareImporter.LoadCore(
            TestData.Shared("data", "stream-tutorial", "lab1", "hardware", "cores", "accelerator1.yaml"), Technology);
        Assert.Null(offChip);
        Assert.Equal(new[] { ("C", 32) }, core!.Dataflow.Axes[0].Factors.ToArray());
        Assert.Equal(new[] { ("K", 32) }, core.Dataflow.Axes[1].Factors.ToArray());
    }

    [Fact]
    public void A_mapping_file_gives_the_unrolling_of_the_layer_type_or_the_default()
    {
        var (core, _) = StreamHardwareImporter.LoadCore(TestData.Shared("data", "zigzag", "hardware", "edge_tpu_like.yaml"), Technology);
        var path = TestData.Shared("data", "zigzag", "mapping", "edge_tpu_like.yaml");
        var conv = StreamHardwareImporter.LoadSpatialMapping(path, "Conv", core!.Array.Axes);
        Assert.Equal(new[] { ("K", 8) }, conv.Axes.Single(a => a.Axis == "D1").Factors.ToArray());
        Assert.Equal(new[] { ("C", 8) }, conv.Axes.Single(a => a.Axis == "D2").Factors.ToArray());
        // Mixed unrollings: several dimensions share one axis.
        var mixed = StreamHardwareImporter.LoadSpatialMapping(TestData.Shared("data", "zigzag", "mapping", "edge_tpu_like_mixed.yaml"), "Conv", core.Array.Axes);
        Assert.Equal(new[] { ("C", 2), ("FX", 2), ("FY", 2) }, mixed.Axes.Single(a => a.Axis == "D2").Factors.ToArray());
        var add = StreamHardwareImporter.LoadSpatialMapping(path, "Add", core.Array.Axes);
        Assert.Equal(new[] { ("G", 8) }, add.Axes.Single(a => a.Axis == "D1").Factors.ToArray());
    }
}

/// <summary>What a core file's `dataflows:` and a ZigZag workload file say, and how bad entries are refused.</summary>
public class DataflowAndWorkloadFileTests : IDisposable
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();
    private readonly string _dir = Directory.CreateTempSubdirectory("tessera-zz").FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>tpu_like.yaml with a dataflows entry appended (line numbers count from its own lines).</summary>
    private string CoreWith(string dataflows)
    {
        var text = File.ReadAllText(TestData.Shared("data", "zigzag", "hardware", "tpu_like.yaml")).TrimEnd() + "\n" + dataflows;
        var path = Path.Combine(_dir, "core.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_dataflows_entry_pins_the_unrolling_instead_of_the_inferred_one()
    {
        var (core, _) = StreamHardwareImporter.LoadCore(CoreWith("dataflows:\n  D1:\n    - K, 16\n  D2:\n    - C, 8\n    - FX, 2\n"), Technology);
        Assert.Equal(new[] { ("K", 16) }, core!.Dataflow.Axes[0].Factors.ToArray());
        Assert.Equal(new[] { ("C", 8), ("FX", 2) }, core.Dataflow.Axes[1].Factors.ToArray());
    }

    [Theory]
    [InlineData("dataflows:\n  D1:\n    - Q, 16\n", "loop dimension 'Q'")]
    [InlineData("dataflows:\n  D1:\n    - K, 64\n", "uses 64 PEs but D1 has 32")]
    [InlineData("dataflows:\n  D3:\n    - K, 4\n", "array dimension 'D3'")]
    public void An_inconsistent_dataflows_entry_names_file_line_and_what_is_wrong(string dataflows, string what)
    {
        var path = CoreWith(dataflows);
        var e = Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() => StreamHardwareImporter.LoadCore(path, Technology));
        Assert.Contains("core.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
        // The entry sits after the file's own lines.
        int line = int.Parse(e.Message.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(line > File.ReadAllLines(TestData.Shared("data", "zigzag", "hardware", "tpu_like.yaml")).Length, e.Message);
    }

    [Fact]
    public void ZigZag_gemm_workload_becomes_one_loop_nest_with_its_precisions()
    {
        var graph = Tessera.Interop.ZigZagWorkloadImporter.Load(TestData.Shared("data", "zigzag", "workload", "gemm_layer.yaml"));
        var nest = graph.Operators.OfType<Tessera.Workloads.ComputeOperator>().Single().Nest;
        Assert.Equal(128L * 128 * 128, nest.Macs);
        var output = nest.Operand(Tessera.Workloads.OperandRole.Output);
        Assert.Equal((8, 32), (output.Bits, output.PartialSumBits));
        // O[d0][d1] += I[d0][d2]·W[d2][d1]: the input is indexed by D0 and D2, the weight by D2 and D1.
        Assert.Equal(["D0", "D2"], nest.Operand(Tessera.Workloads.OperandRole.Input).Axes.Select(a => a.Terms[0].Dimension));
        Assert.Equal(["D2", "D1"], nest.Operand(Tessera.Workloads.OperandRole.Weight).Axes.Select(a => a.Terms[0].Dimension));
    }

    [Fact]
    public void ZigZag_resnet18_workload_has_its_convolutions_as_loop_nests_and_its_adds_and_pools_as_vector_work()
    {
        var graph = Tessera.Interop.ZigZagWorkloadImporter.Load(TestData.Shared("data", "zigzag", "workload", "resnet18.yaml"));
        Assert.Equal(21, graph.Operators.OfType<Tessera.Workloads.ComputeOperator>().Count());
        Assert.Equal(10, graph.Operators.OfType<Tessera.Workloads.VectorOperator>().Count());
        // Σ over the 21 Conv layers of Π loop_sizes, counted from the file: 1,968,214,016 (ZigZag's own layer shapes; the
        // ONNX ResNet-18 has 1.814 G).
        Assert.Equal(1_968_214_016, graph.Macs);
    }

    [Theory]
    [InlineData("    O: 4\n    O_final: 8\n", "partial sums of O have 4 bits")]
    [InlineData("    O: 32\n    O_final: -8\n", "precision of O_final is -8")]
    [InlineData("    O: 32\n    O_final: 8\n  colour: red\n", "unknown layer key 'colour'")]
    public void An_inconsistent_workload_precision_names_file_line_and_what_is_wrong(string precision, string what)
    {
        var path = Path.Combine(_dir, "w.yaml");
        File.WriteAllText(path, "- id: 0\n  operator_type: Gemm\n  equation: O[d0][d1]+=I[d0][d2]*W[d2][d1]\n  loop_dims: [D0, D1, D2]\n" +
            "  loop_sizes: [4, 4, 4]\n  operand_precision:\n    W: 8\n    I: 8\n" + precision);
        var e = Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() => Tessera.Interop.ZigZagWorkloadImporter.Load(path));
        Assert.Contains("w.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
    }
}
