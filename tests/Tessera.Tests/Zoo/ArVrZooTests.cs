using Tessera.Workloads;
using Tessera.Workloads.Zoo;
using Xunit.Abstractions;

namespace Tessera.Tests.Zoo;

/// <summary>The AR/VR models of SCAR's scenarios 6–10 (docs/arvr-models.md has the sources and approximations).</summary>
public class ArVrZooTests(ITestOutputHelper output)
{
    private static readonly string[] All = ["d2go", "planercnn", "midas", "emformer", "hrvit-b1", "hand-pose", "eyecod", "sparse-to-dense"];

    public static TheoryData<string> Names => new(All);

    private static void AssertNear(double expected, double actual, double relative) =>
        Assert.InRange(actual, expected * (1 - relative), expected * (1 + relative));

    [Theory]
    [MemberData(nameof(Names))]
    public void Builds_as_a_dag_whose_loop_nests_match_their_tensors(string name)
    {
        var g = ModelZoo.Create(name, new ModelOptions(Batch: 2));
        output.WriteLine($"{name}: {g.ParameterCount} params, {g.Macs} MACs, {g.Operators.Length} operators");
        Assert.True(g.Macs > 0);
        Assert.Contains(ModelZoo.Entries, e => e.Name == name && e.Family == "ar/vr");
        // ModelGraph orders topologically and rejects cycles; check the order here too.
        var produced = g.ModelInputs.Select(t => t.Name).Concat(g.Tensors.Values.Where(t => t.Kind == TensorKind.Parameter).Select(t => t.Name)).ToHashSet();
        foreach (var op in g.Operators)
        {
            Assert.All(op.Inputs, i => Assert.Contains(i, produced));
            foreach (var o in op.Outputs) produced.Add(o);
            if (op is not ComputeOperator c) continue;
            var sizes = c.Nest.Dimensions.ToDictionary(d => d.Name, d => d.Size);
            foreach (var operand in c.Nest.Operands.Where(x => x.Role != OperandRole.Input))
                Assert.True(g.Tensors[operand.Tensor].Elements == operand.UniqueElements(sizes),
                    $"{op.Name}: {operand.Role} tensor {operand.Tensor} has {g.Tensors[operand.Tensor].Elements} elements, its loop nest {operand.UniqueElements(sizes)}");
        }
    }

    [Fact]
    public void Batch_scales_macs_linearly()
    {
        foreach (var name in All)
            Assert.Equal(2 * ModelZoo.Create(name).Macs, ModelZoo.Create(name, new ModelOptions(Batch: 2)).Macs);
    }

    [Fact]
    public void EyeCod_segmentation_is_RITNet_and_gaze_is_FBNet_C()
    {
        var g = ModelZoo.Create("eyecod");
        long Parameters(string prefix) => g.Tensors.Values.Where(t => t.Kind == TensorKind.Parameter && t.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(t => t.Elements);
        // RITNet: 248,900 parameters (Chaudhary et al. 2019, arXiv 1910.00694, Table 1).
        AssertNear(248_900, Parameters("seg."), 0.01);
        // FBNet-C: 5.5 M parameters with its 1984×1000 ImageNet classifier (Wu et al. 2019, arXiv 1812.03443, Table 2);
        // here the classifier is a 3-output gaze regressor.
        AssertNear(5.5e6 - (1984 * 1000 + 1000), Parameters("gaze."), 0.10);
        // FBNet-C: 375 M MACs at 224×224 (same table), so ≈ 375 M · (128/224)² on the 128×128 eye region.
        long gazeMacs = g.Operators.OfType<ComputeOperator>().Where(c => c.Name.StartsWith("gaze.", StringComparison.Ordinal)).Sum(c => c.Nest.Macs);
        AssertNear(375e6 * (128.0 / 224) * (128.0 / 224), gazeMacs, 0.10);
    }

    [Fact]
    public void MiDaS_small_is_near_its_published_size()
    {
        // MiDaS v2.1 small: 21.3 M parameters (MiDaS repository's model table). The decoder widths are reconstructed,
        // so 20 % (docs/arvr-models.md).
        AssertNear(21.3e6, ModelZoo.Create("midas").ParameterCount, 0.20);
    }

    [Fact]
    public void HRViT_b1_matches_its_published_cost()
    {
        // HRViT-b1 with the SegFormer head, ADE20K 512×512: 8.2 M parameters, 14.6 GFLOPs (facebookresearch/HRViT README;
        // Gu et al. 2022, arXiv 2111.01236). Counted as MACs Tessera lands 8 % above (it counts the attention products
        // and depthwise convolutions in full); parameters within 2 %.
        var g = ModelZoo.Create("hrvit-b1");
        AssertNear(8.2e6, g.ParameterCount, 0.02);
        AssertNear(14.6e9, g.Macs, 0.10);
    }

    [Fact]
    public void Emformer_has_the_transformer_identity_count()
    {
        // Per layer: Q, fused KV and output projections (4·h² weights, 4·h biases), FFN (2·h·f weights, f + h biases),
        // three LayerNorms (2·h each); plus the input linear (320 → h) and the output linear (h → 1024).
        const long h = 512, f = 2048, layers = 20;
        long perLayer = 4 * h * h + 4 * h + 2 * h * f + f + h + 3 * 2 * h;
        long expected = layers * perLayer + (320 * h + h) + (h * 1024 + 1024);
        Assert.Equal(expected, ModelZoo.Create("emformer").ParameterCount);
        // One step: 20 query frames; MACs ≈ parameters × queries plus attention over 50 keys.
        AssertNear(layers * (4 * h * h + 2 * h * f) * 20.0, ModelZoo.Create("emformer").Macs, 0.10);
    }

    [Fact]
    public void Sparse_to_dense_encoder_is_resnet50_on_four_channels()
    {
        var g = ModelZoo.Create("sparse-to-dense");
        long encoder = g.Tensors.Values.Where(t => t.Kind == TensorKind.Parameter && t.Name.StartsWith("encoder.", StringComparison.Ordinal)).Sum(t => t.Elements);
        // torchvision ResNet-50 (25,557,032) without its FC (2048·1000 + 1000) and with a 4th input channel on conv1 (64·7·7).
        Assert.Equal(25_557_032 - 2_049_000 + 64 * 49, encoder);
    }
}
