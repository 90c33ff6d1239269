using System.Text.Json;

namespace Tessera.Tests.Cli;

public class MapCommandTests
{
    private static string Shared(params string[] parts) => TestData.Shared(parts);

    [Fact]
    public void Maps_every_layer_of_a_zoo_model_on_a_preset_core_with_totals()
    {
        var r = CliRunner.Run("map", "resnet18", "--core", "tpu-like");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("layer1.0.conv1", r.Out, StringComparison.Ordinal);
        Assert.Contains("total", r.Out, StringComparison.Ordinal);
        Assert.Contains("spatial util.", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_carries_every_layer_with_accesses_and_footprints()
    {
        var r = CliRunner.Run("map", "resnet18", "--core", "eyeriss-like", "--json", "--objective", "energy");
        Assert.Equal(0, r.ExitCode);
        var layers = r.Json.GetProperty("layers");
        var conv = layers.EnumerateArray().First(l => l.GetProperty("type").GetString() == "Conv");
        var details = conv.GetProperty("cost").GetProperty("details");
        Assert.True(details.GetProperty("accesses").GetArrayLength() > 0);
        Assert.True(details.GetProperty("footprints").GetArrayLength() > 0);
        Assert.Equal("energy", r.Json.GetProperty("objective").GetString());
        double sum = layers.EnumerateArray().Sum(l => l.GetProperty("cost").GetProperty("cycles").GetDouble());
        Assert.Equal(r.Json.GetProperty("totalCycles").GetDouble(), sum, 3);
    }

    [Fact]
    public void One_layer_prints_its_loop_nest_per_level_accesses_footprint_and_energy()
    {
        var r = CliRunner.Run("map", "resnet18", "--core", "tpu-like", "--layer", "layer2.0.conv2");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("outermost at the top", r.Out, StringComparison.Ordinal);
        Assert.Contains("parfor K", r.Out, StringComparison.Ordinal);
        Assert.Contains("unified-buffer", r.Out, StringComparison.Ordinal);
        Assert.Contains("double-buffered", r.Out, StringComparison.Ordinal);
        Assert.Contains("off-chip memory", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_a_ZigZag_core_with_its_dram_level_and_a_ZigZag_spatial_mapping()
    {
        var r = CliRunner.Run("map", Shared("data", "onnx", "resnet18.onnx"), "--core", Shared("data", "zigzag", "hardware", "tpu_like.yaml"),
            "--mapping", Shared("data", "zigzag", "mapping", "tpu_like.yaml"), "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("dram", r.Json.GetProperty("offChip").GetString());
        var conv = r.Json.GetProperty("layers").EnumerateArray().First(l => l.GetProperty("type").GetString() == "Conv");
        var factors = conv.GetProperty("cost").GetProperty("details").GetProperty("spatial").GetProperty("factors");
        Assert.Contains(factors.EnumerateArray(), f => f.GetProperty("dimension").GetString() == "K" && f.GetProperty("requested").GetInt32() == 32);
    }

    [Fact]
    public void Reads_a_Stream_tutorial_core_with_its_offchip_file()
    {
        var cores = Shared("data", "stream-tutorial", "lab1", "hardware", "cores");
        var r = CliRunner.Run("map", "resnet18", "--core", Path.Combine(cores, "accelerator1.yaml"), "--offchip", Path.Combine(cores, "offchip.yaml"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("off-chip dram", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unmappable_layer_is_bad_input_naming_layer_operand_and_level()
    {
        // A per-PE weight register of 4 bits cannot hold one 8-bit weight.
        var core = CliRunner.TempFile("""
            name: tiny
            memories:
              reg:
                size: 4
                r_cost: 0.1
                w_cost: 0.1
                operands: [I2]
                ports: [{name: rw, type: read_write, bandwidth_min: 8, bandwidth_max: 8}]
                served_dimensions: []
              buf:
                size: 1000000
                r_cost: 10
                w_cost: 10
                operands: [I1, I2, O]
                ports: [{name: rw, type: read_write, bandwidth_min: 64, bandwidth_max: 64}]
                served_dimensions: [D1]
            operational_array:
              unit_energy: 0.04
              dimensions: [D1]
              sizes: [4]
            """);
        var r = CliRunner.Run("map", "resnet18", "--core", core);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("weight", r.Error, StringComparison.Ordinal);
        Assert.Contains("'reg'", r.Error, StringComparison.Ordinal);
        Assert.Contains("layer conv1", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Tessera_hardware_file_maps_on_its_first_core()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "examples", "edge-package.yaml");
        var r = CliRunner.Run("map", "resnet18", "--core", Path.GetFullPath(file), "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.True(r.Json.GetProperty("totalCycles").GetDouble() > 0);
    }

    [Fact]
    public void Data_locality_keeps_a_layer_that_fits_on_chip_and_only_applies_to_the_loop_nest_model()
    {
        // ZigZag's gemm_l1_l3: l1 (943,718 bits) holds the whole 128×128×128 GEMM (I and W 131,072 bits each, O 524,288 as
        // 32-bit partial sums), so with the rule nothing moves to or from l3, and the latency is gemm_l1's 8,191 cycles:
        // 4,096 temporal + 4,094 partial-sum stall on l1's output port + 1 offload (docs/validation.md).
        string[] args = ["map", Shared("data", "zigzag", "workload", "gemm_layer.yaml"), "--core", Shared("data", "zigzag", "hardware", "gemm_l1_l3.yaml"),
            "--mapping", Shared("data", "zigzag", "mapping", "gemm_l1_l3.yaml"), "--objective", "latency", "--json"];
        var kept = CliRunner.Run([.. args, "--data-locality"]);
        var streamed = CliRunner.Run(args);
        Assert.Equal((0, 0), (kept.ExitCode, streamed.ExitCode));
        Assert.True(kept.Json.GetProperty("dataLocality").GetBoolean());
        Assert.Equal(8191, kept.Json.GetProperty("totalCycles").GetDouble());
        static double L3Bits(CliRunner.Outcome r) => r.Json.GetProperty("layers")[0].GetProperty("cost").GetProperty("details").GetProperty("accesses")
            .EnumerateArray().Where(a => a.GetProperty("level").GetString() == "l3").Sum(a => a.GetProperty("readBits").GetDouble() + a.GetProperty("writeBits").GetDouble());
        Assert.Equal(0, L3Bits(kept));
        // Without it, I and W come from l3 once and the final 8-bit outputs go back: 3 × 131,072 bits.
        Assert.Equal(3 * 131_072, L3Bits(streamed));
        Assert.Equal(2, CliRunner.Run([.. args[..^3], "--cost-model", "roofline", "--data-locality"]).ExitCode);
    }

    [Fact]
    public void ZigZag_IMC_latency_rule_maps_with_the_search_options_ZigZags_IMC_test_uses()
    {
        // ZigZag's test_aimc: ResNet-18 on aimc.yaml with default_imc.yaml, latency objective, its data-locality rule:
        // 5,540,648 cycles. The loop-nest search under ZigZag-IMC's rule lands within 9 % (ZigZagGoldenTests).
        var r = CliRunner.Run("map", Shared("data", "onnx", "resnet18.onnx"), "--core", Shared("data", "zigzag", "hardware", "aimc.yaml"),
            "--mapping", Shared("data", "zigzag", "mapping", "default_imc.yaml"), "--objective", "latency", "--data-locality",
            "--cost-model", "loopnest-zigzag-imc", "--json");
        Assert.Equal(0, r.ExitCode);
        double macCycles = r.Json.GetProperty("layers").EnumerateArray().Where(l => l.GetProperty("macs").GetDouble() > 0)
            .Sum(l => l.GetProperty("cost").GetProperty("cycles").GetDouble());
        Assert.InRange(macCycles / 5_540_648 - 1, -0.09, 0.09);
    }

    [Fact]
    public void Unknown_layer_and_core_are_bad_input()
    {
        Assert.Equal(2, CliRunner.Run("map", "resnet18", "--core", "tpu-like", "--layer", "nope").ExitCode);
        Assert.Equal(2, CliRunner.Run("map", "resnet18", "--core", "no-such-core").ExitCode);
    }

    [Fact]
    public void Run_keeps_the_roofline_behind_an_option()
    {
        var loop = CliRunner.Run("run", "--json");
        var roof = CliRunner.Run("run", "--json", "--cost-model", "roofline");
        Assert.Equal(0, loop.ExitCode);
        Assert.Equal(0, roof.ExitCode);
        Assert.Equal("loopnest", loop.Json.GetProperty("costModel").GetString());
        Assert.Equal("roofline", roof.Json.GetProperty("costModel").GetString());
        // The roofline assumes perfect reuse: a real mapping never spends less energy.
        Assert.True(loop.Json.GetProperty("energy").GetProperty("totalJ").GetDouble() >= roof.Json.GetProperty("energy").GetProperty("totalJ").GetDouble());
        _ = JsonValueKind.Undefined;
    }
}
