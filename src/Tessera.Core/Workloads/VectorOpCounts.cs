namespace Tessera.Workloads;

/// <summary>
/// Operations per output element charged to a vector unit for each non-MAC operator, shared by the zoo and
/// the ONNX importer. A transcendental (exp, log, erf, tanh, rsqrt) counts as one operation, as a vector unit
/// with a special-function pipe issues it like any other instruction; constant multiplications that a
/// compiler folds are not counted.
/// </summary>
public static class VectorOpCounts
{
    /// <summary>One arithmetic or comparison: add, multiply, max(x, 0), abs, exp, cast…</summary>
    public const double Simple = 1;

    /// <summary>Elementwise add (residual connections, embedding sums).</summary>
    public const double Add = Simple;

    /// <summary>Elementwise multiply (the gate of a gated FFN).</summary>
    public const double Multiply = Simple;

    /// <summary>ReLU: one compare-select.</summary>
    public const double Relu = Simple;

    /// <summary>tanh: one transcendental (BERT's pooler activation).</summary>
    public const double Tanh = Simple;

    /// <summary>Embedding gather: one load-store per element, no arithmetic.</summary>
    public const double Gather = Simple;

    /// <summary>Clip, ReLU6: a max then a min.</summary>
    public const double Clip = 2;

    /// <summary>LeakyRelu/PRelu/ThresholdedRelu: compare and multiply.</summary>
    public const double CompareMultiply = 2;

    /// <summary>Sigmoid 1/(1+e^−x): negate, exp, add, divide.</summary>
    public const double Sigmoid = 4;

    /// <summary>SiLU/Swish x·σ(x): sigmoid plus a multiply.</summary>
    public const double Silu = Sigmoid + 1;

    /// <summary>HardSigmoid max(0, min(1, αx+β)): multiply, add, min, max.</summary>
    public const double HardSigmoid = 4;

    /// <summary>HardSwish x·HardSigmoid(x): hard sigmoid plus a multiply.</summary>
    public const double HardSwish = HardSigmoid + 1;

    /// <summary>GELU with erf, ½x(1+erf(x/√2)) (BERT, ONNX Gelu): divide, erf, add, multiply, multiply.</summary>
    public const double GeluErf = 5;

    /// <summary>GELU, tanh approximation 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (GPT-2): cube (2), scale, add, scale, tanh, add, multiply.</summary>
    public const double GeluTanh = 8;

    /// <summary>Softplus log(1+e^x), Elu/Selu/Celu (exp, subtract, scale): three operations.</summary>
    public const double ExpBased = 3;

    /// <summary>Mish x·tanh(softplus(x)): softplus (3), tanh, multiply.</summary>
    public const double Mish = ExpBased + 2;

    /// <summary>Softmax: max, subtract, exp, sum, divide. LogSoftmax: max, subtract, exp, sum, log-subtract.</summary>
    public const double Softmax = 5;

    /// <summary>Bilinear sample (RoIAlign, bilinear resize): four weighted taps, 4 multiplies and 3 adds.</summary>
    public const double BilinearSample = 7;

    /// <summary>Box decoding and non-maximum suppression per candidate: decode (4), score compare, overlap tests (order of the kept count, folded to a constant).</summary>
    public const double ProposalFilter = 8;

    /// <summary>Hardmax: a max scan, then writing the one-hot result.</summary>
    public const double Hardmax = 2;

    /// <summary>Layer/instance/group norm: mean, subtract, square, variance, normalise, scale (γ), shift (β).</summary>
    public const double LayerNorm = 7;

    /// <summary>RMS norm: square, mean of squares, normalise by the rsqrt, scale (γ); no mean and no shift.</summary>
    public const double RmsNorm = 4;

    /// <summary>Mean-variance normalisation without affine terms: subtract, square, mean, normalise, plus the mean.</summary>
    public const double MeanVarianceNormalization = 5;

    /// <summary>Batch norm at inference: one scale and one shift per element (statistics are folded).</summary>
    public const double BatchNorm = 2;

    /// <summary>Rotary position embedding x·cos + rotate_half(x)·sin: two multiplies and an add (the rotation is a data move).</summary>
    public const double Rotary = 3;

    /// <summary>QuantizeLinear: divide by the scale, round, add the zero point, saturate.</summary>
    public const double Quantize = 4;

    /// <summary>DequantizeLinear: subtract the zero point, multiply by the scale.</summary>
    public const double Dequantize = 2;

    /// <summary>DynamicQuantizeLinear: min and max reductions, then quantize.</summary>
    public const double DynamicQuantize = Quantize + 2;

    /// <summary>Max or average pooling: one compare or add per window element (the average's divide is folded).</summary>
    public static double Pooling(long windowElements) => windowElements;

    /// <summary>LRN: square and add over the window (2·size), then scale, add bias, power and divide.</summary>
    public static double Lrn(long size) => 2.0 * size + 4;
}
