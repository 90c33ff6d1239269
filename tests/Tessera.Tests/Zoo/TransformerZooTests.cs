using Tessera.Diagnostics;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Zoo;

public class TransformerZooTests
{
    private static readonly ModelOptions Decode1024 = new(Phase: TransformerPhase.Decode, ContextLength: 1024);

    private static void AssertNear(double expected, double actual, double relative) =>
        Assert.InRange(actual, expected * (1 - relative), expected * (1 + relative));

    private static long WeightElements(ModelGraph g, Func<string, bool> node) =>
        g.Tensors.Values.Where(t => t.Kind == TensorKind.Parameter && t.Name.EndsWith(".weight", StringComparison.Ordinal)
            && node(t.Name)).Sum(t => t.Elements);

    private static long GemmMacs(ModelGraph g, string? exceptNode = null) =>
        g.Operators.OfType<ComputeOperator>().Where(c => c.OpType == "Gemm" && c.Name != exceptNode).Sum(c => c.Nest.Macs);

    private static long AttentionMacs(ModelGraph g) =>
        g.Operators.OfType<ComputeOperator>().Where(c => c.OpType == "MatMul").Sum(c => c.Nest.Macs);

    // models.md parameter counts with the brief's tolerances; the exact figures are Hugging Face's num_parameters().
    [Theory]
    [InlineData("bert-base", 110e6, 0.02, 109_482_240)]
    [InlineData("bert-large", 335e6, 0.02, 335_141_888)]
    [InlineData("gpt2-small", 124e6, 0.01, 124_439_808)]
    [InlineData("gpt2-medium", 355e6, 0.01, 354_823_168)]
    [InlineData("gpt2-large", 774e6, 0.01, 774_030_080)]
    [InlineData("gpt2-xl", 1558e6, 0.01, 1_557_611_200)]
    [InlineData("llama2-7b", 6.74e9, 0.01, 6_738_415_616)]
    [InlineData("llama3.1-8b", 8.03e9, 0.01, 8_030_261_248)]
    [InlineData("llama3.1-70b", 70.6e9, 0.01, 70_553_706_496)]
    [InlineData("llama3.1-405b", 405e9, 0.01, 405_853_388_800)]
    public void Parameter_counts_match_the_published_models(string name, double published, double tolerance, long exact)
    {
        var g = ModelZoo.Create(name);
        AssertNear(published, g.ParameterCount, tolerance);
        Assert.Equal(exact, g.ParameterCount);
    }

    [Fact]
    public void Every_preset_layer_has_the_projection_and_ffn_weights_of_the_identities()
    {
        foreach (var c in TransformerConfigs.All)
        {
            var g = ModelZoo.Create(c.Name);
            long h = c.Hidden, f = c.FfnSize;
            long attention = WeightElements(g, n => n.StartsWith("layers.0.attn.", StringComparison.Ordinal) && n.Contains("_proj", StringComparison.Ordinal));
            Assert.Equal(2 * h * h + 2 * h * (h * c.KvHeads / c.Heads), attention);
            long ffn = WeightElements(g, n => n.StartsWith("layers.0.ffn.", StringComparison.Ordinal));
            Assert.Equal((c.GatedFfn ? 3 : 2) * h * f, ffn);
            Assert.Equal(c.Layers, g.Operators.Count(o => o.Name.EndsWith(".attn.q_proj", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Llama31_8B_decode_costs_one_MAC_per_weight_plus_attention_over_the_cache()
    {
        var c = TransformerConfigs.Llama31With8B;
        var g = ModelZoo.Create("llama3.1-8b", Decode1024);
        long h = c.Hidden, L = 1024;
        var parameters = ModelZoo.Create("llama3.1-8b").ParameterCount;
        // The embedding table is a lookup (no MACs); the untied LM head is a matrix-vector product.
        double expected = parameters - (double)c.Vocab * h + 2.0 * L * h * c.Layers;
        AssertNear(expected, g.Macs, 0.01);
        Assert.Equal(2 * L * h * c.Layers, AttentionMacs(g));   // exactly 2·L·h per layer
        Assert.Equal(7_773_093_888, g.Macs);
    }

    [Theory]
    [InlineData("llama3.1-8b", 1)]
    [InlineData("llama3.1-70b", 1)]
    [InlineData("llama2-7b", 2)]
    [InlineData("gpt2-small", 3)]
    public void Kv_cache_inputs_hold_2_layers_L_kv_width_values(string name, int batch)
    {
        var c = TransformerConfigs.Find(name)!;
        const long L = 1024;
        var g = ModelZoo.Create(name, Decode1024 with { Batch = batch });
        var caches = g.ModelInputs.Where(t => t.Name.EndsWith("_cache", StringComparison.Ordinal)).ToList();
        Assert.Equal(2 * c.Layers, caches.Count);
        Assert.All(caches, t => Assert.Equal([batch, L, (long)c.Hidden * c.KvHeads / c.Heads], t.Shape.ToArray()));
        Assert.Equal(batch * 2L * c.Layers * L * c.Hidden * c.KvHeads / c.Heads, caches.Sum(t => t.Elements));
    }

    [Fact]
    public void Decode_attention_is_one_query_row_per_head_against_L_keys()
    {
        var c = TransformerConfigs.Llama31With8B;
        var g = ModelZoo.Create("llama3.1-8b", Decode1024 with { Batch = 2 });
        var scores = g.Operators.OfType<ComputeOperator>().Single(o => o.Name == "layers.0.attn.scores").Nest;
        // Grouped-query: batch·KvHeads products, each stacking the Heads/KvHeads queries of a group.
        Assert.Equal(2L * c.KvHeads, scores.Sizes["B"]);
        Assert.Equal(c.Heads / c.KvHeads, scores.Sizes["D"]);
        Assert.Equal(1024, scores.Sizes["K"]);
        Assert.Equal(c.HeadDim, scores.Sizes["C"]);
        Assert.Equal(2L * c.Heads * 1024 * c.HeadDim, scores.Macs);
    }

    [Fact]
    public void Prefill_projections_scale_with_S_and_attention_with_S_squared()
    {
        var c = TransformerConfigs.Gpt2Small;
        var s128 = ModelZoo.Create("gpt2-small", new ModelOptions(SequenceLength: 128));
        var s256 = ModelZoo.Create("gpt2-small", new ModelOptions(SequenceLength: 256));
        Assert.Equal(2 * GemmMacs(s128, "lm_head"), GemmMacs(s256, "lm_head"));
        Assert.Equal(4 * AttentionMacs(s128), AttentionMacs(s256));
        // Causal masking ignored: Q·Kᵀ and P·V are both full S×S per head.
        Assert.Equal(2L * 128 * 128 * c.Hidden * c.Layers, AttentionMacs(s128));
        // Projections: one MAC per layer weight per token.
        long layerWeights = c.Layers * (4L * c.Hidden * c.Hidden + 2L * c.Hidden * c.FfnSize);
        Assert.Equal(128 * layerWeights, GemmMacs(s128, "lm_head"));
        // The tied head reuses the embedding table (no extra parameters) and scores only the last token.
        var head = s128.Operators.OfType<ComputeOperator>().Single(o => o.Name == "lm_head");
        Assert.Contains("embed_tokens.weight", head.Inputs);
        Assert.Equal((long)c.Hidden * c.Vocab, head.Nest.Macs);
    }

    [Fact]
    public void Bert_has_a_pooler_and_no_decode_phase()
    {
        var g = ModelZoo.Create("bert-base");
        Assert.Contains(g.Operators, o => o.Name == "pooler");
        Assert.DoesNotContain(g.Operators, o => o.Name == "lm_head");
        var e = Assert.Throws<TesseraInputException>(() => ModelZoo.Create("bert-base", Decode1024));
        Assert.Contains("decode", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Embedding_lookups_are_gathers_from_parameter_tables()
    {
        var g = ModelZoo.Create("gpt2-small");
        var gathers = g.Operators.OfType<VectorOperator>().Where(v => v.Kind == VectorKind.Gather).ToList();
        Assert.Equal(2, gathers.Count);   // tokens and learned positions
        Assert.All(gathers, v => Assert.Contains(v.Inputs, i => g.Tensors[i].Kind == TensorKind.Parameter));
        Assert.DoesNotContain(g.Operators, o => o.OpType == "Rotary");
        Assert.Contains(ModelZoo.Create("llama2-7b").Operators, o => o.OpType == "Rotary");
    }

    [Fact]
    public void Llama31_70B_builds_with_80_real_layers()
    {
        var g = ModelZoo.Create("llama3.1-70b");
        var d = ModelZoo.Create("llama3.1-70b", Decode1024);
        Assert.Equal(80, g.Operators.Count(o => o.Name.EndsWith(".ffn.down_proj", StringComparison.Ordinal)));
        Assert.Equal(160, d.ModelInputs.Count(t => t.Name.EndsWith("_cache", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_custom_config_builds_and_an_invalid_one_is_rejected()
    {
        var tiny = new TransformerConfig("tiny", 2, 64, 4, 2, 128, GatedFfn: true, 1000, NormKind.RmsNorm,
            PositionKind.Rotary, TiedOutput: true, HasLmHead: true, TokenTypes: 0, Biases: false);
        var g = ModelZoo.CreateTransformer(tiny, new ModelOptions(SequenceLength: 16));
        // Tied: embeddings 1000·64, per layer 2·64² + 2·64·32 + 3·64·128 + 2·64 norm weights, final norm 64.
        Assert.Equal(1000L * 64 + 2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128 + 2 * 64) + 64, g.ParameterCount);
        Assert.Throws<TesseraInputException>(() => ModelZoo.CreateTransformer(tiny with { KvHeads = 3 }));
        Assert.Throws<TesseraInputException>(() => ModelZoo.CreateTransformer(tiny with { Hidden = 63 }));
    }
}
