using Tessera.Costs;
using Tessera.Costs.Maestro;
using Tessera.Hardware;
using Tessera.Hardware.Maestro;
using Tessera.Hardware.Presets;
using Tessera.Interop.Maestro;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Costs;

public class MaestroCostModelTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    /// <summary>MAESTRO's reference accelerator: 256 PEs, L2 read at 256 bytes (elements) per cycle, off-chip 70000 per cycle.</summary>
    private static Core Reference(string dataflow) =>
        TestHardware.Core(4, 64, bufferBitsPerCycle: 256 * 8) with { Fixed = new FixedDataflow(dataflow, MaestroDataflows.Create(dataflow, Tech), null) };

    private static readonly MemoryLevel ReferenceOffChip = TestHardware.OffChip(70000 * 8);

    private static MaestroResult FileLayer(string file, string layer) =>
        MaestroNetwork.Analyze(MaestroMappingFile.Load(TestData.Shared("data", "maestro", "mappings", file)),
            MaestroValidationTests.ReferenceHardware, MaestroArithmetic.Corrected).Single(r => r.Spec.Name == layer).Result;

    [Theory]
    [InlineData("kcp_ws", "nvdla")]
    [InlineData("yxp_os", "shi")]
    public void Named_dataflows_cost_the_zoo_ResNet50_layers_as_MAESTRO_costs_its_reference_file(string dataflow, string suffix)
    {
        // The zoo's convolutions carry a batch of 1 (N = 1 and TemporalMap(1,1) N), the reference file omits N.
        var model = new MaestroCostModel();
        var core = Reference(dataflow);
        var file = MaestroMappingFile.Load(TestData.Shared("data", "maestro", "mappings", $"resnet50_b1__{suffix}.m"));
        var byShape = MaestroNetwork.Analyze(file, MaestroValidationTests.ReferenceHardware, MaestroArithmetic.Corrected)
            .GroupBy(r => Shape(r.Spec)).ToDictionary(g => g.Key, g => g.First().Result);
        var reference = MaestroValidationTests.Reference().Where(r => r.Model == "resnet50_b1" && r.Dataflow == suffix).ToList();
        var graph = ModelZoo.Create("resnet50");
        int compared = 0;
        foreach (var op in graph.Operators.OfType<ComputeOperator>().Where(o => o.Nest.Sizes.ContainsKey("FY")))
        {
            var n = op.Nest.Sizes;
            var expected = byShape[(n["K"], n["C"], n["FY"], n["OY"], op.Nest.Operand(OperandRole.Input).Axes[2].Terms[0].Coefficient)];
            var cost = model.Evaluate(op.Nest, core, ReferenceOffChip);
            Assert.Equal(expected.Cycles, cost.Cycles);
            Assert.Equal(op.Nest.Macs, expected.Macs);
            double macUnits = (cost.Energy.ComputePj + cost.Energy.OnChipMemoryPj) / core.Array.MacEnergyPj;
            Assert.Equal(expected.EnergyMacUnits(Tech.Value("maestro.l1_energy_ratio"), Tech.Value("maestro.l2_energy_ratio")), macUnits, 3);
            // Stride-1 layers: MAESTRO's own number.
            var row = reference.First(r => r.Fields["K"] == $"{n["K"]}" && r.Fields["C"] == $"{n["C"]}" && r.R == n["FY"] && r.Fields["Y_out"] == $"{n["OY"]}");
            if (row.Stride == 1) Assert.Equal(row.Cycles, cost.Cycles);
            compared++;
        }
        Assert.Equal(53, compared);
    }

    private static (long, long, long, long, long) Shape(MaestroLayerSpec s)
    {
        long stride = s.Strides.GetValueOrDefault("Y", 1);
        return (s.SizeOf("K"), s.SizeOf("C"), s.SizeOf("R"), (s.SizeOf("Y") - s.SizeOf("R")) / stride + 1, stride);
    }

    [Theory]
    [InlineData("kcp_ws", "nvdla")]
    [InlineData("yxp_os", "shi")]
    public void Transformer_projections_cost_as_MAESTRO_costs_them_written_as_1x1_convolutions(string dataflow, string suffix)
    {
        var graph = ModelZoo.Create("gpt2-small");
        var model = new MaestroCostModel();
        var core = Reference(dataflow);
        foreach (var (op, layer) in new[] { ("layers.0.attn.q_proj", "q_proj"), ("layers.0.attn.o_proj", "attn_out"),
            ("layers.0.ffn.up_proj", "ffn_up"), ("layers.0.ffn.down_proj", "ffn_down") })
        {
            var nest = ((ComputeOperator)graph.Operators.Single(o => o.Name == op)).Nest;
            var row = MaestroValidationTests.Reference().Single(r => r.Model == "gpt2s_seq128" && r.Dataflow == suffix && r.Layer == layer);
            var cost = model.Evaluate(nest, core, ReferenceOffChip);
            Assert.Equal(row.Cycles, cost.Cycles);
            Assert.Equal(row.EnergyMacUnits, (cost.Energy.ComputePj + cost.Energy.OnChipMemoryPj) / core.Array.MacEnergyPj, row.EnergyMacUnits * 1e-5);
        }
    }

    /// <summary>
    /// K = 4 output channels over 2 clusters of 4 PEs, C = 4 over the PEs of a cluster, 2 output rows: 32 MACs on 8 PEs.
    /// With 16 elements per cycle every case takes one cycle: 4 cases → 4 cycles, the ideal. With 4 per cycle the first
    /// case must bring 12 elements to the clusters (4 inputs, 4 weights to each cluster) → ceil(12/4) − 1 = 2 cycles, and
    /// each cluster 8 to its PEs → 1 cycle before its MAC, so the clusters take 2 cycles per case: 4 + 2 + 2 + 2 = 10.
    /// </summary>
    [Theory]
    [InlineData(16, 4)]
    [InlineData(4, 10)]
    public void A_small_two_level_layer_takes_the_hand_computed_cycles(double nocBandwidth, long cycles)
    {
        const string text = """
            Network tiny {
              Layer l { Type: CONV
                Dimensions { K: 4, C: 4, R: 1, S: 1, Y: 2, X: 1 }
                Dataflow { SpatialMap(1,1) K; TemporalMap(4,4) C; TemporalMap(Sz(R),Sz(R)) R; TemporalMap(Sz(S),Sz(S)) S;
                  TemporalMap(1,1) Y; TemporalMap(1,1) X; Cluster(4, P);
                  SpatialMap(1,1) C; TemporalMap(1,1) Y; TemporalMap(1,1) X; TemporalMap(Sz(R),Sz(R)) R; TemporalMap(Sz(S),Sz(S)) S; }
              }
            }
            """;
        var file = MaestroMappingFile.Parse(text, "tiny.m");
        var result = MaestroNetwork.Analyze(file, new MaestroHardware(8, nocBandwidth, 0, 1e9), MaestroArithmetic.Corrected).Single().Result;
        Assert.Equal(32, result.Macs);
        Assert.Equal(cycles, result.Cycles);
    }

    /// <summary>
    /// A 1×1 stride-2 convolution under yxp_os: each cluster's tile of 8 input columns holds 4 outputs, so 4 of a cluster's 8
    /// PEs work, and 28 output rows occupy 28 of the 32 clusters: utilisation 4/8 × 28/32 = 0.4375. MAESTRO counts
    /// three times the MACs and twice the cycles (docs/validation.md).
    /// </summary>
    [Fact]
    public void A_window_narrower_than_its_stride_uses_the_PEs_its_outputs_occupy()
    {
        var corrected = FileLayer("resnet50_b1__shi.m", "s3_b1_downsample_1x1");
        Assert.Equal(102760448, corrected.Macs);
        Assert.Equal(102760448 / (256 * 0.4375), corrected.Cycles);
    }

    [Fact]
    public void A_core_without_a_fixed_dataflow_is_costed_with_its_unrollings_family_in_its_own_arrangement()
    {
        var model = new MaestroCostModel();
        Assert.Equal("kcp_ws(64)", model.DataflowOf(HardwarePresets.CreateCore("scar-ws", Tech)).Name);
        Assert.Equal("yxp_os(64)", model.DataflowOf(HardwarePresets.CreateCore("scar-os", Tech)).Name);
        Assert.Equal("rs", model.DataflowOf(HardwarePresets.CreateCore("eyeriss-like", Tech)).Name);
        Assert.Equal("kcp_ws(256)", model.DataflowOf(HardwarePresets.CreateCore("tpu-like", Tech)).Name);
    }

    [Fact]
    public void Both_arithmetics_are_registered_cost_models()
    {
        Assert.IsType<MaestroCostModel>(CostModels.Create("maestro"));
        var upstream = Assert.IsType<MaestroUpstreamCostModel>(CostModels.Create("maestro-upstream"));
        Assert.Equal(MaestroArithmetic.Upstream, upstream.Arithmetic);
    }

    [Theory]
    [InlineData("scar-ws")]
    [InlineData("scar-os")]
    [InlineData("eyeriss-like")]
    public void Every_network_layer_obeys_the_physical_bounds(string preset)
    {
        var core = HardwarePresets.CreateCore(preset, Tech);
        var dram = HardwarePresets.CreatePackage(preset, Tech).Memories[0];
        var offChip = CostModelExtensions.OffChipLevel(dram, dram.BandwidthBytesPerSecond, dram.EnergyPerBitPj, core.FrequencyHz);
        var model = new MaestroCostModel();
        foreach (var name in new[] { "resnet50", "mobilenetv2", "gpt2-small" })
        {
            var graph = ModelZoo.Create(name);
            foreach (var op in graph.Operators.OfType<ComputeOperator>())
            {
                var cost = model.Evaluate(op.Nest, core, offChip);
                Assert.True(cost.Cycles >= Math.Ceiling((double)op.Nest.Macs / core.Array.ProcessingElements), $"{name} {op.Name}: {cost.Cycles} cycles");
                Assert.True(cost.Utilisation is > 0 and <= 1, $"{name} {op.Name}: utilisation {cost.Utilisation}");
                Assert.Equal(op.Nest.Macs * core.Array.MacEnergyPj, cost.Energy.ComputePj, op.Nest.Macs * 1e-9);
                // Every input and weight arrives from off-chip at least once, every output leaves once.
                Assert.True(cost.OffChipReadBits >= (op.Nest.UniqueBits(op.Nest.Operand(OperandRole.Weight))), $"{name} {op.Name}");
                Assert.True(cost.Energy.OnChipMemoryPj > 0 && cost.Energy.OffChipMemoryPj > 0);
            }
        }
    }
}
