using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Workloads;

/// <summary>
/// Mutable helper that assembles a <see cref="ModelGraph"/> layer by layer (NCHW activations, row-major
/// [tokens, features] for matrices). Shapes are computed here so that generators state only sizes.
/// </summary>
public sealed class GraphBuilder(string name, int bits = 8)
{
    private readonly List<Tensor> _tensors = [];
    private readonly Dictionary<string, Tensor> _byName = new(StringComparer.Ordinal);
    private readonly List<Operator> _operators = [];
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);

    public int Bits { get; } = bits;

    public Tensor this[string tensor] => _byName[tensor];

    public ImmutableArray<long> Shape(string tensor) => _byName[tensor].Shape;

    public string Input(string tensorName, params long[] shape) => AddTensor(tensorName, shape, TensorKind.ModelInput);

    public string Parameter(string tensorName, params long[] shape) => AddTensor(tensorName, shape, TensorKind.Parameter);

    public string AddTensor(string tensorName, IEnumerable<long> shape, TensorKind kind, int? tensorBits = null)
    {
        var t = new Tensor(tensorName, [.. shape], tensorBits ?? Bits, kind);
        if (!_byName.TryAdd(tensorName, t))
            throw new TesseraInputException($"{name}: tensor '{tensorName}' is declared twice");
        _tensors.Add(t);
        return tensorName;
    }

    /// <summary>Adds any operator whose output tensors were declared with <see cref="AddTensor"/>.</summary>
    public void Add(Operator op) => _operators.Add(op);

    /// <summary>A unique node name: prefix plus a counter.</summary>
    public string Fresh(string prefix)
    {
        _counters.TryGetValue(prefix, out var n);
        _counters[prefix] = n + 1;
        return $"{prefix}{n}";
    }

    public ModelGraph Build() => new(name, _tensors, _operators);

    /// <summary>2-D convolution with square kernel and symmetric padding; adds weight (and bias) parameters.</summary>
    public string Conv(string x, long outChannels, long kernel, long stride = 1, long padding = 0,
        long groups = 1, bool bias = false, string? nodeName = null, long dilation = 1)
    {
        var s = Shape(x);
        var (batch, inChannels, height, width) = (s[0], s[1], s[2], s[3]);
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new TesseraInputException($"{name}: channels {inChannels}→{outChannels} do not divide into {groups} groups");
        long outH = ConvOutput(height, kernel, stride, padding, dilation);
        long outW = ConvOutput(width, kernel, stride, padding, dilation);
        var node = nodeName ?? Fresh("conv");
        var w = Parameter($"{node}.weight", outChannels, inChannels / groups, kernel, kernel);
        var inputs = ImmutableArray.Create(x, w);
        if (bias) inputs = inputs.Add(Parameter($"{node}.bias", outChannels));
        var y = AddTensor($"{node}.out", [batch, outChannels, outH, outW], TensorKind.Activation);
        var nest = LoopNests.Convolution(x, w, y, batch, groups, outChannels / groups, inChannels / groups,
            outH, outW, kernel, kernel, stride, stride, dilation, dilation, Bits, Bits, Bits, padding, padding,
            inputHeight: height, inputWidth: width);
        Add(new ComputeOperator(node, "Conv", inputs, [y], nest));
        return y;
    }

    public static long ConvOutput(long size, long kernel, long stride, long padding, long dilation = 1) =>
        (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;

    /// <summary>Fully connected layer over the last axis: y[..., out] = x[..., in] · W[in, out] (+ b).</summary>
    public string Linear(string x, long outFeatures, bool bias = true, string? nodeName = null, string? sharedWeight = null)
    {
        var s = Shape(x);
        long inFeatures = s[^1];
        long rows = s.Take(s.Length - 1).Aggregate(1L, (a, b) => a * b);
        var node = nodeName ?? Fresh("fc");
        var w = sharedWeight ?? Parameter($"{node}.weight", inFeatures, outFeatures);
        var inputs = ImmutableArray.Create(x, w);
        if (bias) inputs = inputs.Add(Parameter($"{node}.bias", outFeatures));
        var y = AddTensor($"{node}.out", [.. s.Take(s.Length - 1), outFeatures], TensorKind.Activation);
        var nest = LoopNests.MatMul(x, w, y, 1, rows, outFeatures, inFeatures, true, Bits, Bits, Bits);
        Add(new ComputeOperator(node, "Gemm", inputs, [y], nest));
        return y;
    }

    /// <summary>Batched product of two activations: a[b, m, k] · c[b, k, n] → [b, m, n].</summary>
    public string BatchedMatMul(string a, string c, long batch, long m, long n, long k, string? nodeName = null)
    {
        var node = nodeName ?? Fresh("matmul");
        var y = AddTensor($"{node}.out", [batch, m, n], TensorKind.Activation);
        var nest = LoopNests.MatMul(a, c, y, batch, m, n, k, false, Bits, Bits, Bits);
        Add(new ComputeOperator(node, "MatMul", [a, c], [y], nest));
        return y;
    }

    /// <summary>An elementwise-shaped vector operator whose output has the shape of its first input.</summary>
    public string Vector(VectorKind kind, string opType, double opsPerElement, string? nodeName = null,
        params string[] inputs) => VectorTo(kind, opType, opsPerElement, Shape(inputs[0]), nodeName, inputs);

    /// <summary>A vector operator with an explicit output shape (pooling, gather).</summary>
    public string VectorTo(VectorKind kind, string opType, double opsPerElement, IEnumerable<long> outShape,
        string? nodeName = null, params string[] inputs)
    {
        var node = nodeName ?? Fresh(opType.ToLowerInvariant());
        var y = AddTensor($"{node}.out", outShape, TensorKind.Activation);
        Add(new VectorOperator(node, opType, [.. inputs], [y], kind, _byName[y].Elements, opsPerElement));
        return y;
    }

    /// <summary>A data-movement operator with an explicit output shape.</summary>
    public string ShapeOp(ShapeKind kind, string opType, IEnumerable<long> outShape, string? nodeName = null,
        params string[] inputs)
    {
        var node = nodeName ?? Fresh(opType.ToLowerInvariant());
        var y = AddTensor($"{node}.out", outShape, TensorKind.Activation);
        Add(new ShapeOperator(node, opType, [.. inputs], [y], kind));
        return y;
    }

    /// <summary>
    /// Max or average pooling with a square window (opType "MaxPool" or "AveragePool"); ceil mode follows
    /// PyTorch (a window may not start in the right padding). Costs one operation per window element.
    /// </summary>
    public string Pool(string x, string opType, long kernel, long stride, long padding = 0, bool ceilMode = false,
        string? nodeName = null)
    {
        var s = Shape(x);
        long outH = PoolOutput(s[2], kernel, stride, padding, ceilMode);
        long outW = PoolOutput(s[3], kernel, stride, padding, ceilMode);
        var y = VectorTo(VectorKind.Pooling, opType, VectorOpCounts.Pooling(kernel * kernel),
            [s[0], s[1], outH, outW], nodeName, x);
        var op = (VectorOperator)_operators[^1];
        _operators[^1] = op with { Window = new SlidingWindow(kernel, kernel, stride, stride, padding, padding) };
        return y;
    }

    /// <summary>Global average pooling to [batch, channels, 1, 1]: one add per input element.</summary>
    public string GlobalAvgPool(string x, string? nodeName = null)
    {
        var s = Shape(x);
        return VectorTo(VectorKind.Pooling, "GlobalAveragePool", VectorOpCounts.Pooling(s[2] * s[3]),
            [s[0], s[1], 1, 1], nodeName, x);
    }

    /// <summary>Output size of a pooling window, with PyTorch's ceil-mode rule.</summary>
    public static long PoolOutput(long size, long kernel, long stride, long padding, bool ceilMode)
    {
        long span = size + 2 * padding - kernel;
        long output = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
        if (ceilMode && (output - 1) * stride >= size + padding)
            output--;
        return output;
    }

    /// <summary>
    /// Transposed convolution with kernel = stride (non-overlapping windows, e.g. U-Net's 2×2 up-convolution).
    /// Modelled as a 1×1 convolution to k²·Cout channels at the input resolution followed by a depth-to-space
    /// move: the same MACs (Cin·Cout·k²·Hin·Win) and weights as ConvTranspose, expressible as a plain loop nest.
    /// The weight is stored as [k²·Cout, Cin, 1, 1] to match the nest; the bias has Cout entries.
    /// </summary>
    public string ConvTranspose(string x, long outChannels, long kernel, bool bias = true, string? nodeName = null)
    {
        var s = Shape(x);
        var (batch, inChannels, height, width) = (s[0], s[1], s[2], s[3]);
        long expanded = kernel * kernel * outChannels;
        var node = nodeName ?? Fresh("convtranspose");
        var w = Parameter($"{node}.weight", expanded, inChannels, 1, 1);
        var inputs = ImmutableArray.Create(x, w);
        if (bias) inputs = inputs.Add(Parameter($"{node}.bias", outChannels));
        var y = AddTensor($"{node}.cols", [batch, expanded, height, width], TensorKind.Activation);
        var nest = LoopNests.Convolution(x, w, y, batch, 1, expanded, inChannels, height, width, 1, 1,
            inputBits: Bits, weightBits: Bits, outputBits: Bits);
        Add(new ComputeOperator(node, "ConvTranspose", inputs, [y], nest));
        return ShapeOp(ShapeKind.Transpose, "DepthToSpace", [batch, outChannels, height * kernel, width * kernel],
            $"{node}.d2s", y);
    }
}
