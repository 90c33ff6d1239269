using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Interop.Stream;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;
using Tessera.Workloads.Tiling;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Tiling;

public class StreamMappingTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    private static Package Accelerator(string file) => HardwareLoader.Load(TestData.Shared("data", "stream", "hardware", file), Tech);

    private static Package Lab(int lab) => HardwareLoader.Load(TestData.Shared("data", "stream-tutorial", $"lab{lab}", "hardware", "hda_bus.yaml"), Tech);

    private static StreamMapping Mapping(string file, string accelerator) =>
        StreamMapping.Load(TestData.Shared("data", "stream", "mapping", file), Accelerator(accelerator));

    private static string[] Cores(params int[] ids) => [.. ids.Select(i => $"core{i}")];

    [Theory]
    [InlineData("array_and_vec.yaml", "meta_prototype_dual_core_simd_offchip.yaml", 8)]
    [InlineData("resnet18_tpu_quad_core.yaml", "tpu_like_quad_core.yaml", 6)]
    [InlineData("simba.yaml", "simba.yaml", 8)]
    [InlineData("simba_small.yaml", "simba_small.yaml", 8)]
    [InlineData("simba_small_fixed.yaml", "simba_small.yaml", 8)]
    [InlineData("swiglu_tpu_v7_fused.yaml", "tpu_v7_ironwood.yaml", 5)]
    [InlineData("swiglu_tpu_v7_layer_by_layer.yaml", "tpu_v7_ironwood.yaml", 5)]
    [InlineData("tpu_like_quad_core.yaml", "tpu_like_quad_core.yaml", 8)]
    [InlineData("tpu_like_quad_core_resnet18_fixed_split.yaml", "tpu_like_quad_core.yaml", 32)]
    public void Every_stream_mapping_file_imports(string file, string accelerator, int rules)
    {
        var mapping = Mapping(file, accelerator);
        Assert.Equal(rules, mapping.Rules.Length);
        var ids = Accelerator(accelerator).Chiplets.Select(c => c.Id).ToHashSet();
        Assert.All(mapping.Rules.SelectMany(r => r.AllowedCores), id => Assert.Contains(id, ids));
    }

    [Fact]
    public void Older_list_format_reads_allocations_and_string_tilings()
    {
        var m = Mapping("array_and_vec.yaml", "meta_prototype_dual_core_simd_offchip.yaml");
        var conv = m.Rules.Single(r => r.Name == "Conv");
        Assert.Equal(Cores(0), conv.AllowedCores);
        Assert.Equal(TilingSpec.Parse("OY, 8"), conv.IntraCoreTiling);
        Assert.Equal([new DimensionSplit("OY", SplitKind.Count, 8)], conv.IntraCoreTiling.Splits.ToArray());
        Assert.Equal([new DimensionSplit("K", SplitKind.PerCore)], conv.InterCoreTilings.Single().Splits.ToArray());
        Assert.Equal([new DimensionSplit("D", SplitKind.Count, 64)], m.Rules.Single(r => r.Name == "default").IntraCoreTiling.Splits.ToArray());
        Assert.Equal(Cores(1), m.Rules.Single(r => r.Name == "Add").AllowedCores);
        Assert.True(m.Rules.Single(r => r.Name == "Gemm").IntraCoreTiling.Splits.IsEmpty);

        var simba = Mapping("simba.yaml", "simba.yaml");
        Assert.Equal(Cores([.. Enumerable.Range(0, 36)]), simba.Rules.Single(r => r.Name == "Conv").AllowedCores);
        Assert.Equal([new DimensionSplit("OY", SplitKind.All)], simba.Rules.Single(r => r.Name == "Conv").IntraCoreTiling.Splits.ToArray());
        Assert.Equal([new DimensionSplit("H", SplitKind.PerCore)], simba.Rules.Single(r => r.Name == "Gemm").InterCoreTilings[0].Splits.ToArray());

        var fixedMapping = Mapping("simba_small_fixed.yaml", "simba_small.yaml");
        Assert.All(fixedMapping.Rules, r => Assert.True(r.AllocationIsFixed));
        Assert.All(fixedMapping.Rules, r => Assert.Equal(Cores(0), r.AllowedCores));
    }

    [Fact]
    public void Fixed_split_allocations_keep_one_core_per_tile_in_order()
    {
        var m = Mapping("tpu_like_quad_core_resnet18_fixed_split.yaml", "tpu_like_quad_core.yaml");
        var conv = m.Rules.Single(r => r.Name == "/layer4/layer4.0/conv2/Conv");
        Assert.Equal(Cores(2, 1, 2, 2, 0, 1, 1, 3), conv.CoreAllocation.Single());
        Assert.Equal(Cores(2, 1, 0, 3), conv.AllowedCores);
        Assert.True(conv.AllocationIsFixed);
        Assert.False(m.Rules.Single(r => r.Name == "/avgpool/GlobalAveragePool").AllocationIsFixed);
        Assert.Equal(Cores(4), m.Rules.Single(r => r.Name == "/maxpool/MaxPool").AllowedCores);
    }

    [Fact]
    public void Newer_format_reads_groups_of_cuts_and_fused_groups()
    {
        var m = Mapping("tpu_like_quad_core.yaml", "tpu_like_quad_core.yaml");
        var conv = m.Rules.Single(r => r.Name == "Conv");
        Assert.Equal(Cores(0, 1, 2, 3), conv.CoreAllocation.Single());
        Assert.Equal([new DimensionSplit("D6", SplitKind.Count, 4)], conv.InterCoreTilings.Single().Splits.ToArray());
        Assert.Equal([new DimensionSplit("D3", SplitKind.Count, 4)], m.Rules.Single(r => r.Name == "Relu").InterCoreTilings.Single().Splits.ToArray());
        var group = Assert.Single(m.FusedGroups);
        Assert.Equal("Fused_Group_1", group.Name);
        Assert.Equal(["Conv"], group.Layers.ToArray());
        Assert.Equal(new StreamGroupCut("Conv", new DimensionSplit("D0", SplitKind.Size, 1)), group.Tiling.Single());

        var resnet = Mapping("resnet18_tpu_quad_core.yaml", "tpu_like_quad_core.yaml");
        Assert.Equal(11, resnet.FusedGroups.Length);
        Assert.Equal(new StreamGroupCut("/layer1/layer1.0/conv2/Conv", new DimensionSplit("D2", SplitKind.Size, 1)), resnet.FusedGroups[1].Tiling.Single());
        Assert.Equal(["Conv", "Relu", "Add"], resnet.FusedGroups[1].Layers.ToArray());

        var swiglu = Mapping("swiglu_tpu_v7_fused.yaml", "tpu_v7_ironwood.yaml");
        Assert.Equal(32, swiglu.Rules.Single(r => r.Name == "Gemm_Left").AllowedCores.Length);
        Assert.Equal(Cores(8, 18, 28, 38), swiglu.Rules.Single(r => r.Name == "Silu").AllowedCores);
        Assert.Equal([new DimensionSplit("D2", SplitKind.Count, 32)], swiglu.Rules.Single(r => r.Name == "Gemm_Down").InterCoreTilings.Single().Splits.ToArray());
        var fused = Assert.Single(swiglu.FusedGroups);
        Assert.Equal(["Gemm_Left", "Gemm_Right", "Silu", "Elt_Mul", "Gemm_Down"], fused.Layers.ToArray());
        Assert.Equal(
            [new("Gemm_Left", new("D0", SplitKind.Size, 256)), new("Gemm_Left", new("D1", SplitKind.Size, 512)),
             new("Gemm_Right", new("D1", SplitKind.Size, 512)), new StreamGroupCut("Gemm_Down", new("D1", SplitKind.Size, 16))],
            fused.Tiling.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Tutorial_lab_mappings_import_and_tile_the_four_convolutions(int lab)
    {
        var dir = TestData.Shared("data", "stream-tutorial", $"lab{lab}");
        var mapping = StreamMapping.Load(Path.Combine(dir, "mapping", "mapping.yaml"), Lab(lab));
        var model = OnnxImporter.Load(Path.Combine(dir, "workload", "4_convs.onnx"));
        var convs = model.Operators.OfType<ComputeOperator>().ToList();
        Assert.Equal(4, convs.Count);
        var tiled = WorkloadTiler.Tile(model, op => mapping.Tiling(model, op), op => mapping.AllowedCores(op).Length);
        Assert.Equal(model.Macs, tiled.Tiles.Sum(t => t.Macs));
        switch (lab)
        {
            case 1:
                Assert.Equal(5, mapping.Rules.Length);
                Assert.Equal(Cores(0), mapping.Rules.Single(r => r.Name == "Layer0").AllowedCores);
                Assert.Equal(Cores(1), mapping.Rules.Single(r => r.Name == "Layer1").AllowedCores);
                Assert.Equal(Cores(2), mapping.Rules.Single(r => r.Name == "Layer2").AllowedCores);
                Assert.Equal(Cores(0), mapping.Rules.Single(r => r.Name == "Layer3").AllowedCores);
                Assert.Equal([new DimensionSplit("K", SplitKind.Count, 1)], mapping.Rules[0].InterCoreTilings[0].Splits.ToArray());
                // "OY, all" then "K, 1": one tile per output row, on the layer's fixed core.
                foreach (var c in convs)
                    Assert.Equal(c.Nest.Sizes["OY"], tiled.TilesOf(c.Name).Length);
                Assert.All(tiled.TilesOf("Layer2"), t => Assert.Equal("core2", mapping.CoreOf(model, t)));
                break;
            case 2:
                var rule = Assert.Single(mapping.Rules);
                Assert.Equal(Cores(0, 1, 2), rule.AllowedCores);
                Assert.True(rule.IntraCoreTiling.Splits.IsEmpty);
                // "K, 3" across the three cores, one K third per core.
                Assert.All(convs, c => Assert.Equal(3, tiled.TilesOf(c.Name).Length));
                Assert.All(convs, c => Assert.Equal(Cores(0, 1, 2), tiled.TilesOf(c.Name).Select(t => mapping.CoreOf(model, t))));
                break;
            case 3:
                Assert.Equal([new DimensionSplit("OY", SplitKind.All)], Assert.Single(mapping.Rules).IntraCoreTiling.Splits.ToArray());
                Assert.All(convs, c => Assert.Equal(c.Nest.Sizes["OY"], tiled.TilesOf(c.Name).Length));
                // Three allowed cores and no split: the allocation is left to a search.
                Assert.All(tiled.Tiles, t => Assert.Null(mapping.CoreOf(model, t)));
                break;
        }
    }

    [Fact]
    public void Numbered_dimensions_follow_the_operators_iteration_order()
    {
        var g = new GraphBuilder("m");
        var x = g.Input("x", 1, 3, 8, 8);
        var conv = g.Conv(x, 4, 3, 1, 1, nodeName: "conv");
        var relu = g.Vector(VectorKind.Activation, "Relu", 1, "relu", conv);
        var t = g.Input("t", 16, 32);
        g.Linear(t, 8, nodeName: "fc");
        g.Vector(VectorKind.Pooling, "GlobalAveragePool", 1, "keep", relu);
        var model = g.Build();
        Operator Op(string name) => model.Operators.Single(o => o.Name == name);
        Assert.Equal("K", StreamMapping.ResolveDimension("D6", model, Op("conv")));
        Assert.Equal("OX", StreamMapping.ResolveDimension("D2", model, Op("conv")));
        Assert.Equal("D", StreamMapping.ResolveDimension("D0", model, Op("fc")));
        Assert.Equal("C", StreamMapping.ResolveDimension("D1", model, Op("fc")));
        Assert.Equal("K", StreamMapping.ResolveDimension("D2", model, Op("fc")));
        Assert.Equal("K", StreamMapping.ResolveDimension("D1", model, Op("relu")));
        Assert.Equal("OX", StreamMapping.ResolveDimension("D3", model, Op("relu")));
        Assert.Null(StreamMapping.ResolveDimension("D9", model, Op("relu")));
        Assert.Equal("OY", StreamMapping.ResolveDimension("OY", model, Op("conv")));
        Assert.Null(StreamMapping.ResolveDimension("OY", model, Op("fc")));
    }

    [Fact]
    public void Swiglu_fused_mapping_tiles_the_onnx_swiglu_by_its_numbered_dimensions()
    {
        var m = Mapping("swiglu_tpu_v7_fused.yaml", "tpu_v7_ironwood.yaml");
        var model = OnnxImporter.Load(TestData.Shared("data", "onnx", "swiglu_64_128_256.onnx"));
        Operator Op(string name) => model.Operators.Single(o => o.Name == name);
        // Gemm_Left: D0 rows tile 256 and D1 reduction tile 512 (no cut at 64 × 128), D2 outputs split 32.
        Assert.Equal(TilingSpec.Of(new("K", SplitKind.Count, 32), new("D", SplitKind.Size, 256), new("C", SplitKind.Size, 512)),
            m.Tiling(model, Op("Gemm_Left")));
        // Silu: D1 (features, output axis 1) split 4 over the vector cores.
        Assert.Equal(TilingSpec.Of(new DimensionSplit("K", SplitKind.Count, 4)), m.Tiling(model, Op("Silu")));
        var tiled = m.Tile(model);
        Assert.Equal(32, tiled.TilesOf("Gemm_Left").Length);
        Assert.Equal(4, tiled.TilesOf("Silu").Length);
        // Gemm_Down: reduction (D1 = 256) in tiles of 16, outputs (D2 = 128) split 32: 16 × 32 partial-sum tiles.
        Assert.Equal(16 * 32, tiled.TilesOf("Gemm_Down").Length);
        Assert.Equal(model.Macs, tiled.Tiles.Sum(t => t.Macs));
        // Each Silu quarter (64 columns) needs the 8 Gemm_Left tiles of 8 columns that produce them.
        var into = tiled.Predecessors();
        Assert.All(tiled.TilesOf("Silu"), t => Assert.Equal(8, into[t.Id].Length));
    }

    [Fact]
    public void Resnet18_fused_groups_tile_the_onnx_resnet18()
    {
        var m = Mapping("resnet18_tpu_quad_core.yaml", "tpu_like_quad_core.yaml");
        var model = OnnxImporter.Load(TestData.Shared("data", "onnx", "resnet18.onnx"));
        var tiled = m.Tile(model);
        // Convolutions split over the 4 compute cores along D6 = K; the group-1 conv2 also one column per tile (D2 = OX, tile 1).
        Assert.Equal(4, tiled.TilesOf("/layer1/layer1.0/conv1/Conv").Length);
        Assert.Equal(4 * 56, tiled.TilesOf("/layer1/layer1.0/conv2/Conv").Length);
        // MaxPool: D2 = output rows, tile 1.
        Assert.Equal(56, tiled.TilesOf("/maxpool/MaxPool").Length);
        Assert.Equal(m.AllowedCores(model.Operators.Single(o => o.Name == "/maxpool/MaxPool")), Cores(4));
        Assert.Equal(model.Macs, tiled.Tiles.Sum(t => t.Macs));

        var fixedSplit = Mapping("tpu_like_quad_core_resnet18_fixed_split.yaml", "tpu_like_quad_core.yaml");
        var conv = model.Operators.Single(o => o.Name == "/layer4/layer4.1/conv2/Conv");
        Assert.Equal(Cores(0, 2, 1, 1, 3, 3, 3, 0), fixedSplit.RuleFor(conv)!.CoreAllocation.Single());
        // A fixed allocation of 8 cores without an inter-core tiling: K split 8 ways, tile i on the i-th listed core.
        var tiles = fixedSplit.Tile(model).TilesOf(conv.Name);
        Assert.Equal(8, tiles.Length);
        Assert.Equal(Cores(0, 2, 1, 1, 3, 3, 3, 0), tiles.Select(t => fixedSplit.CoreOf(model, t)));
        // Operators without an entry of their own fall back to "default".
        var relu = model.Operators.First(o => o.OpType == "Relu");
        Assert.Equal("default", fixedSplit.RuleFor(relu)!.Name);
    }

    [Fact]
    public void Resnet18_mapping_rules_tile_the_zoo_model()
    {
        var m = Mapping("simba_small.yaml", "simba_small.yaml");
        var model = ModelZoo.Create("resnet18");
        var tiled = WorkloadTiler.Tile(model, op => m.Tiling(model, op), op => m.AllowedCores(op).Length);
        var conv1 = model.Operators.OfType<ComputeOperator>().First();
        // "OY, all" then "K, *" over 4 cores.
        Assert.Equal(conv1.Nest.Sizes["OY"] * 4, tiled.TilesOf(conv1.Name).Length);
        Assert.Equal(model.Macs, tiled.Tiles.Sum(t => t.Macs));
    }

    private static string Write(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tessera-mapping-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private static TesseraInputException Bad(string text, string accelerator = "simba_small.yaml")
    {
        var path = Write(text);
        try { return Assert.Throws<TesseraInputException>(() => StreamMapping.Load(path, Accelerator(accelerator))); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void An_unknown_dimension_is_reported_with_its_position()
    {
        var e = Bad("- name: Conv\n  core_allocation: [0]\n  intra_core_tiling:\n    - QQ, all\n");
        Assert.StartsWith("tessera-mapping-", e.Message, StringComparison.Ordinal);
        Assert.Contains(".yaml:4:7:", e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown dimension 'QQ'", e.Message, StringComparison.Ordinal);
        var e2 = Bad("layers:\n- name: Conv\n  inter_core_tiling:\n  - - dim: Z7\n      split: 4\n");
        Assert.Contains(".yaml:4:7:", e2.Message, StringComparison.Ordinal);
        Assert.Contains("unknown dimension 'Z7'", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_core_the_accelerator_lacks_is_reported_with_its_position()
    {
        var e = Bad("- name: default\n  core_allocation: [0, 1, 9]\n");
        Assert.Contains(".yaml:2:27:", e.Message, StringComparison.Ordinal);
        Assert.Contains("core 9 does not exist", e.Message, StringComparison.Ordinal);
        // Core 4 is simba_small's off-chip core: no compute core.
        var off = Bad("- name: default\n  core_allocation: [4]\n");
        Assert.Contains(".yaml:2:21:", off.Message, StringComparison.Ordinal);
        Assert.Contains("memory core", off.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_key_takes_its_last_value_as_PyYAML_does()
    {
        // Stream's files are written for PyYAML, which keeps the last of repeated keys.
        var path = Write("- name: default\n  core_allocation: [1]\n  core_allocation: [2]\n");
        try { Assert.Equal("core2", Assert.Single(StreamMapping.Load(path, Accelerator("simba_small.yaml")).Rules.Single().AllowedCores)); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Malformed_yaml_and_bad_counts_are_reported_with_their_position()
    {
        var e = Bad("- name: Conv\n  core_allocation: [0, 1\n  intra_core_tiling:\n    - OY, all\n");
        Assert.Matches(@"\.yaml:\d+:\d+: malformed YAML", e.Message);
        var count = Bad("- name: Conv\n  intra_core_tiling:\n    - OY, many\n");
        Assert.Contains(".yaml:3:7:", count.Message, StringComparison.Ordinal);
        var missing = Bad("- core_allocation: [0]\n");
        Assert.Contains(".yaml:1:3:", missing.Message, StringComparison.Ordinal);
        Assert.Contains("lacks 'name'", missing.Message, StringComparison.Ordinal);
    }
}
