namespace Tessera.Workloads;

/// <summary>
/// Operations per output element charged to a vector unit for each non-MAC operator. A transcendental
/// (exp, tanh, rsqrt) counts as one operation, as a vector unit with a special-function pipe issues it
/// like any other instruction; constant multiplications that a compiler folds are not counted.
/// </summary>
public static class VectorOpCounts
{
    /// <summary>Softmax: running max, subtract, exp, sum, divide.</summary>
    public const double Softmax = 5;

    /// <summary>Layer norm: mean, variance, normalise, scale (γ), shift (β).</summary>
    public const double LayerNorm = 5;

    /// <summary>RMS norm: square, mean of squares, normalise by the rsqrt, scale (γ); no mean and no shift.</summary>
    public const double RmsNorm = 4;

    /// <summary>Batch norm at inference: one scale and one shift per element (statistics are folded).</summary>
    public const double BatchNorm = 2;

    /// <summary>ReLU: one compare-select.</summary>
    public const double Relu = 1;

    /// <summary>ReLU6: clamp below at 0 and above at 6, two compare-selects.</summary>
    public const double Relu6 = 2;

    /// <summary>GELU, tanh approximation 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))): cube, scale, add, tanh, add, two multiplies, ≈ 8.</summary>
    public const double Gelu = 8;

    /// <summary>SiLU x·σ(x): exp(−x), add 1, divide, multiply.</summary>
    public const double Silu = 4;

    /// <summary>tanh: one transcendental (BERT's pooler activation).</summary>
    public const double Tanh = 1;

    /// <summary>Elementwise add (residual connections, embedding sums).</summary>
    public const double Add = 1;

    /// <summary>Elementwise multiply (the gate of a gated FFN).</summary>
    public const double Multiply = 1;

    /// <summary>Rotary position embedding x·cos + rotate_half(x)·sin: two multiplies and an add (the rotation is a data move).</summary>
    public const double Rotary = 3;

    /// <summary>Embedding gather: one load-store per element, no arithmetic.</summary>
    public const double Gather = 1;

    /// <summary>Max or average pooling: one compare or add per window element (the average's divide is folded).</summary>
    public static double Pooling(long windowElements) => windowElements;
}
