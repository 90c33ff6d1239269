using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Workloads.Zoo;

/// <summary>Normalisation of a transformer: LayerNorm (γ and β) or RMSNorm (γ only).</summary>
public enum NormKind { LayerNorm, RmsNorm }

/// <summary>Position encoding: a learned table of <see cref="TransformerConfig.MaxPositions"/> rows, or rotary (no parameters).</summary>
public enum PositionKind { Learned, Rotary }

/// <summary>
/// A transformer configuration, with the names of the released checkpoints' config.json in mind. Gated FFNs
/// (SwiGLU) use SiLU and three matrices, plain FFNs GELU and two. <paramref name="PostNorm"/> places the norms
/// after the residual adds and normalises the embeddings (BERT); otherwise norms precede each sub-layer and a
/// final norm follows the last layer (GPT-2, Llama). <paramref name="Pooler"/> adds BERT's tanh pooler on the
/// first token. <paramref name="TanhGelu"/> selects GPT-2's tanh approximation of GELU over BERT's erf form.
/// </summary>
public sealed record TransformerConfig(
    string Name, int Layers, int Hidden, int Heads, int KvHeads, int FfnSize, bool GatedFfn, int Vocab,
    NormKind Norm, PositionKind Positions, bool TiedOutput, bool HasLmHead, int TokenTypes, bool Biases,
    int MaxPositions = 0, bool PostNorm = false, bool Pooler = false, bool TanhGelu = false)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadDim => Hidden / Heads;

    /// <summary>Width of the K (or V) projection: KV heads × head width (grouped-query attention).</summary>
    public int KvDim => KvHeads * HeadDim;

    /// <summary>Throws <see cref="TesseraInputException"/> unless the sizes are positive and the heads divide evenly.</summary>
    public void Validate()
    {
        if (Layers <= 0 || Hidden <= 0 || Heads <= 0 || KvHeads <= 0 || FfnSize <= 0 || Vocab <= 0 || TokenTypes < 0)
            throw TesseraInputException.At(Name, "layers, hidden, heads, KV heads, FFN size and vocab must be positive");
        if (Hidden % Heads != 0)
            throw TesseraInputException.At(Name, $"hidden {Hidden} is not a multiple of {Heads} heads");
        if (Heads % KvHeads != 0)
            throw TesseraInputException.At(Name, $"{Heads} heads do not divide into {KvHeads} KV heads");
        if (Positions == PositionKind.Learned && MaxPositions <= 0)
            throw TesseraInputException.At(Name, "learned positions need a positive MaxPositions");
        if (TiedOutput && !HasLmHead)
            throw TesseraInputException.At(Name, "a tied output needs an LM head");
    }
}

/// <summary>Published transformer configurations (reference/models.md; the checkpoints' config.json).</summary>
public static class TransformerConfigs
{
    // BERT (Devlin et al. 2019; bert-base/large-uncased config.json): post-norm, 512 learned positions, 2 token types.
    public static TransformerConfig BertBase { get; } = Bert("bert-base", 12, 768, 12, 3072);
    public static TransformerConfig BertLarge { get; } = Bert("bert-large", 24, 1024, 16, 4096);

    // GPT-2 (Radford et al. 2019; openai-community/gpt2* config.json): pre-norm, 1024 learned positions, tied head.
    public static TransformerConfig Gpt2Small { get; } = Gpt2("gpt2-small", 12, 768, 12);
    public static TransformerConfig Gpt2Medium { get; } = Gpt2("gpt2-medium", 24, 1024, 16);
    public static TransformerConfig Gpt2Large { get; } = Gpt2("gpt2-large", 36, 1280, 20);
    public static TransformerConfig Gpt2Xl { get; } = Gpt2("gpt2-xl", 48, 1600, 25);

    // Llama (meta-llama config.json): RMSNorm, rotary, SwiGLU, no biases, untied output.
    public static TransformerConfig Llama2With7B { get; } = Llama("llama2-7b", 32, 4096, 32, 32, 11008, 32000);
    public static TransformerConfig Llama31With8B { get; } = Llama("llama3.1-8b", 32, 4096, 32, 8, 14336, 128256);
    public static TransformerConfig Llama31With70B { get; } = Llama("llama3.1-70b", 80, 8192, 64, 8, 28672, 128256);
    public static TransformerConfig Llama31With405B { get; } = Llama("llama3.1-405b", 126, 16384, 128, 8, 53248, 128256);

    /// <summary>Every preset, in zoo order.</summary>
    public static ImmutableArray<TransformerConfig> All { get; } =
        [BertBase, BertLarge, Gpt2Small, Gpt2Medium, Gpt2Large, Gpt2Xl, Llama2With7B, Llama31With8B, Llama31With70B, Llama31With405B];

    /// <summary>The preset with this name (case-insensitive), or null.</summary>
    public static TransformerConfig? Find(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private static TransformerConfig Bert(string name, int layers, int hidden, int heads, int ffn) =>
        new(name, layers, hidden, heads, heads, ffn, GatedFfn: false, Vocab: 30522, NormKind.LayerNorm,
            PositionKind.Learned, TiedOutput: false, HasLmHead: false, TokenTypes: 2, Biases: true,
            MaxPositions: 512, PostNorm: true, Pooler: true);

    // GPT-2's FFN is 4 × hidden (n_inner = null in config.json).
    private static TransformerConfig Gpt2(string name, int layers, int hidden, int heads) =>
        new(name, layers, hidden, heads, heads, 4 * hidden, GatedFfn: false, Vocab: 50257, NormKind.LayerNorm,
            PositionKind.Learned, TiedOutput: true, HasLmHead: true, TokenTypes: 0, Biases: true, MaxPositions: 1024,
            TanhGelu: true);

    private static TransformerConfig Llama(string name, int layers, int hidden, int heads, int kvHeads, int ffn, int vocab) =>
        new(name, layers, hidden, heads, kvHeads, ffn, GatedFfn: true, vocab, NormKind.RmsNorm,
            PositionKind.Rotary, TiedOutput: false, HasLmHead: true, TokenTypes: 0, Biases: false);
}

/// <summary>
/// Builds a transformer graph for one phase. Prefill processes S tokens (attention S×S per head; causal masking
/// is ignored for the MAC count, so the full square is counted as dense kernels compute it). Decode processes
/// one token (or <see cref="ModelOptions.DecodeTokens"/>, e.g. a speculative verification pass) against a KV cache of L positions per layer, given as ModelInput tensors [batch, L, KvHeads·headDim];
/// the new token's K and V come from the projections and are left as graph outputs (appended to the cache for the
/// next step), so attention spans the L cached positions.
/// </summary>
internal sealed class TransformerGenerator
{
    private readonly TransformerConfig _c;
    private readonly GraphBuilder _g;
    private readonly long _batch, _tokens, _context;
    private readonly bool _decode;

    private TransformerGenerator(TransformerConfig config, ModelOptions options)
    {
        _c = config;
        _decode = options.Phase == TransformerPhase.Decode;
        _batch = options.Batch;
        _tokens = _decode ? options.DecodeTokens : options.SequenceLength;
        _context = _decode ? options.ContextLength : options.SequenceLength;
        var phase = _decode ? "decode" : "prefill";
        _g = new GraphBuilder($"{config.Name}-{phase}", options.Bits);
    }

    public static ModelGraph Build(TransformerConfig config, ModelOptions options)
    {
        config.Validate();
        if (options.Phase == TransformerPhase.Decode && !config.HasLmHead)
            throw TesseraInputException.At(config.Name, "an encoder without an LM head has no decode phase; use Prefill");
        return new TransformerGenerator(config, options).Generate();
    }

    private ModelGraph Generate()
    {
        var x = Embeddings();
        if (_c.PostNorm)
            x = Norm(x, "embeddings.norm");
        for (int layer = 0; layer < _c.Layers; layer++)
            x = Layer(x, $"layers.{layer}");
        if (!_c.PostNorm)
            x = Norm(x, "final_norm");
        if (_c.HasLmHead)
            LmHead(x);
        if (_c.Pooler)
            Pooler(x);
        return _g.Build();
    }

    private string Embeddings()
    {
        long h = _c.Hidden;
        // Token ids are int32 whatever the activation width: vocabularies exceed 2^16.
        const int indexBits = 32;
        var ids = _g.AddTensor("input_ids", [_batch, _tokens], TensorKind.ModelInput, indexBits);
        var table = _g.Parameter("embed_tokens.weight", _c.Vocab, h);
        var x = _g.VectorTo(VectorKind.Gather, "Gather", VectorOpCounts.Gather, [_batch, _tokens, h], "embed_tokens", table, ids);
        if (_c.Positions == PositionKind.Learned)
        {
            // Positions are an arange (the last one in decode): no index input; broadcast over the batch.
            var positions = _g.Parameter("embed_positions.weight", _c.MaxPositions, h);
            var p = _g.VectorTo(VectorKind.Gather, "Gather", VectorOpCounts.Gather, [1, _tokens, h], "embed_positions", positions);
            x = _g.Vector(VectorKind.Elementwise, "Add", VectorOpCounts.Add, "embed_positions.add", x, p);
        }
        if (_c.TokenTypes > 0)
        {
            var typeIds = _g.AddTensor("token_type_ids", [_batch, _tokens], TensorKind.ModelInput, indexBits);
            var types = _g.Parameter("embed_token_types.weight", _c.TokenTypes, h);
            var t = _g.VectorTo(VectorKind.Gather, "Gather", VectorOpCounts.Gather, [_batch, _tokens, h], "embed_token_types", types, typeIds);
            x = _g.Vector(VectorKind.Elementwise, "Add", VectorOpCounts.Add, "embed_token_types.add", x, t);
        }
        return x;
    }

    private string Layer(string x, string node)
    {
        if (_c.PostNorm)
        {
            x = Norm(Residual(x, Attention(x, $"{node}.attn"), $"{node}.attn.residual"), $"{node}.attn_norm");
            return Norm(Residual(x, Ffn(x, $"{node}.ffn"), $"{node}.ffn.residual"), $"{node}.ffn_norm");
        }
        x = Residual(x, Attention(Norm(x, $"{node}.attn_norm"), $"{node}.attn"), $"{node}.attn.residual");
        return Residual(x, Ffn(Norm(x, $"{node}.ffn_norm"), $"{node}.ffn"), $"{node}.ffn.residual");
    }

    /// <summary>
    /// Multi-head (or grouped-query) attention. The H/G query heads that share one KV head are stacked along M,
    /// so the matmul batch is batch·KvHeads (= batch·heads without GQA) and each cached K/V element is read once,
    /// as grouped-query kernels do; MACs are the same as batch·heads independent products. Head splits and Kᵀ
    /// are strided views that attention kernels read in place, so they are reshapes that move no data. The
    /// 1/√d scale is folded into the query projection.
    /// </summary>
    private string Attention(string x, string node)
    {
        long d = _c.HeadDim, groups = _c.KvHeads, perGroup = _c.Heads / _c.KvHeads;
        long rows = _batch * groups, queryRows = perGroup * _tokens;
        var q = _g.Linear(x, _c.Hidden, _c.Biases, $"{node}.q_proj");
        var k = _g.Linear(x, _c.KvDim, _c.Biases, $"{node}.k_proj");
        var v = _g.Linear(x, _c.KvDim, _c.Biases, $"{node}.v_proj");
        if (_c.Positions == PositionKind.Rotary)
        {
            q = _g.Vector(VectorKind.Elementwise, "Rotary", VectorOpCounts.Rotary, $"{node}.q_rotary", q);
            k = _g.Vector(VectorKind.Elementwise, "Rotary", VectorOpCounts.Rotary, $"{node}.k_rotary", k);
        }
        if (_decode)
        {
            k = _g.Input($"{node}.k_cache", _batch, _context, _c.KvDim);
            v = _g.Input($"{node}.v_cache", _batch, _context, _c.KvDim);
        }
        var qh = _g.ShapeOp(ShapeKind.Reshape, "SplitHeads", [rows, queryRows, d], $"{node}.q_heads", q);
        var kt = _g.ShapeOp(ShapeKind.Reshape, "SplitHeadsTransposed", [rows, d, _context], $"{node}.k_heads", k);
        var vh = _g.ShapeOp(ShapeKind.Reshape, "SplitHeads", [rows, _context, d], $"{node}.v_heads", v);
        var scores = _g.BatchedMatMul(qh, kt, rows, queryRows, _context, d, $"{node}.scores");
        var p = _g.Vector(VectorKind.Softmax, "Softmax", VectorOpCounts.Softmax, $"{node}.softmax", scores);
        var context = _g.BatchedMatMul(p, vh, rows, queryRows, d, _context, $"{node}.context");
        var merged = _g.ShapeOp(ShapeKind.Reshape, "MergeHeads", [_batch, _tokens, _c.Hidden], $"{node}.merge_heads", context);
        return _g.Linear(merged, _c.Hidden, _c.Biases, $"{node}.o_proj");
    }

    private string Ffn(string x, string node)
    {
        if (_c.GatedFfn)
        {
            // SwiGLU (Shazeer 2020): down(silu(gate(x)) · up(x)).
            var gate = _g.Linear(x, _c.FfnSize, _c.Biases, $"{node}.gate_proj");
            var up = _g.Linear(x, _c.FfnSize, _c.Biases, $"{node}.up_proj");
            var act = _g.Vector(VectorKind.Activation, "Silu", VectorOpCounts.Silu, $"{node}.silu", gate);
            var mul = _g.Vector(VectorKind.Elementwise, "Mul", VectorOpCounts.Multiply, $"{node}.gate_mul", act, up);
            return _g.Linear(mul, _c.Hidden, _c.Biases, $"{node}.down_proj");
        }
        var hidden = _g.Linear(x, _c.FfnSize, _c.Biases, $"{node}.up_proj");
        var gelu = _g.Vector(VectorKind.Activation, "Gelu", _c.TanhGelu ? VectorOpCounts.GeluTanh : VectorOpCounts.GeluErf, $"{node}.gelu", hidden);
        return _g.Linear(gelu, _c.Hidden, _c.Biases, $"{node}.down_proj");
    }

    private string Norm(string x, string node)
    {
        // LayerNorm carries γ and β, RMSNorm γ only.
        var layerNorm = _c.Norm == NormKind.LayerNorm;
        var weight = layerNorm ? _g.Parameter($"{node}.weight", 2, _c.Hidden) : _g.Parameter($"{node}.weight", _c.Hidden);
        return layerNorm
            ? _g.Vector(VectorKind.LayerNorm, "LayerNormalization", VectorOpCounts.LayerNorm, node, x, weight)
            : _g.Vector(VectorKind.RmsNorm, "RMSNormalization", VectorOpCounts.RmsNorm, node, x, weight);
    }

    private string Residual(string x, string y, string node) =>
        _g.Vector(VectorKind.Elementwise, "Add", VectorOpCounts.Add, node, x, y);

    /// <summary>
    /// Logits for the last position only: generation needs just the next token, so prefill (like serving
    /// engines) skips the other S−1 rows. A tied head reuses the token embedding table.
    /// </summary>
    private void LmHead(string x)
    {
        if (!_decode)
            x = _g.ShapeOp(ShapeKind.Slice, "Slice", [_batch, 1, _c.Hidden], "last_token", x);
        _g.Linear(x, _c.Vocab, bias: false, "lm_head", _c.TiedOutput ? "embed_tokens.weight" : null);
    }

    /// <summary>BERT's pooler: dense + tanh on the first ([CLS]) token.</summary>
    private void Pooler(string x)
    {
        var first = _g.ShapeOp(ShapeKind.Slice, "Slice", [_batch, 1, _c.Hidden], "first_token", x);
        var dense = _g.Linear(first, _c.Hidden, bias: true, "pooler");
        _g.Vector(VectorKind.Activation, "Tanh", VectorOpCounts.Tanh, "pooler.tanh", dense);
    }
}
