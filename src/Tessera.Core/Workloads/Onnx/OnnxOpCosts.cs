namespace Tessera.Workloads.Onnx;

/// <summary>
/// Vector-unit operations per output element for non-MAC ONNX operators. A transcendental function
/// (exp, log, erf, tanh, sqrt) counts as one operation because vector units have a special-function unit.
/// </summary>
internal static class OnnxOpCosts
{
    /// <summary>One arithmetic or comparison: add, mul, max(x, 0), abs, exp, cast…</summary>
    public const double Simple = 1;

    /// <summary>LeakyRelu/PRelu/ThresholdedRelu: compare and multiply.</summary>
    public const double CompareMultiply = 2;

    /// <summary>Clip: a max then a min.</summary>
    public const double Clip = 2;

    /// <summary>Sigmoid 1/(1+e^−x): negate, exp, add, divide.</summary>
    public const double Sigmoid = 4;

    /// <summary>HardSigmoid max(0, min(1, αx+β)): multiply, add, min, max.</summary>
    public const double HardSigmoid = 4;

    /// <summary>HardSwish x·HardSigmoid(x): hard sigmoid plus a multiply.</summary>
    public const double HardSwish = 5;

    /// <summary>Silu/Swish x·σ(x): sigmoid plus a multiply.</summary>
    public const double Silu = 5;

    /// <summary>Gelu ½x(1+erf(x/√2)): divide, erf, add, multiply, multiply.</summary>
    public const double Gelu = 5;

    /// <summary>Softplus log(1+e^x), Elu/Selu/Celu (exp, subtract, scale): three operations.</summary>
    public const double ExpBased = 3;

    /// <summary>Mish x·tanh(softplus(x)): softplus (3), tanh, multiply.</summary>
    public const double Mish = 5;

    /// <summary>Softmax: max, subtract, exp, sum, divide. LogSoftmax: max, subtract, exp, sum, log-subtract.</summary>
    public const double Softmax = 5;

    /// <summary>Hardmax: a max scan, then writing the one-hot result.</summary>
    public const double Hardmax = 2;

    /// <summary>Layer/instance/group norm: mean, subtract, square, variance, normalise, scale, shift.</summary>
    public const double Normalization = 7;

    /// <summary>RMS-style or mean-variance normalisation without affine terms: square, mean, normalise, plus subtract for MVN.</summary>
    public const double MeanVarianceNormalization = 5;

    /// <summary>Inference batch norm folds to a per-channel scale and shift.</summary>
    public const double BatchNorm = 2;

    /// <summary>QuantizeLinear: divide by the scale, round, add the zero point, saturate.</summary>
    public const double Quantize = 4;

    /// <summary>DequantizeLinear: subtract the zero point, multiply by the scale.</summary>
    public const double Dequantize = 2;

    /// <summary>DynamicQuantizeLinear: min and max reductions, then quantize.</summary>
    public const double DynamicQuantize = 6;

    /// <summary>LRN: square and add over the window (2·size), then scale, add bias, power and divide.</summary>
    public static double Lrn(long size) => 2.0 * size + 4;
}
