using System.Collections.Frozen;

namespace Tessera.Workloads.Onnx;

/// <summary>Per-operator shape inference and lowering to IR kinds for the supported ai.onnx operators.</summary>
internal static partial class OnnxShapeInference
{
    private static readonly FrozenDictionary<string, (VectorKind Kind, double Ops)> Unary = new Dictionary<string, (VectorKind, double)>
    {
        ["Relu"] = (VectorKind.Activation, VectorOpCounts.Simple),
        ["LeakyRelu"] = (VectorKind.Activation, VectorOpCounts.CompareMultiply),
        ["ThresholdedRelu"] = (VectorKind.Activation, VectorOpCounts.CompareMultiply),
        ["Sigmoid"] = (VectorKind.Activation, VectorOpCounts.Sigmoid),
        ["Tanh"] = (VectorKind.Activation, VectorOpCounts.Simple),
        ["Gelu"] = (VectorKind.Activation, VectorOpCounts.GeluErf),
        ["Silu"] = (VectorKind.Activation, VectorOpCounts.Silu),
        ["Swish"] = (VectorKind.Activation, VectorOpCounts.Silu),
        ["HardSigmoid"] = (VectorKind.Activation, VectorOpCounts.HardSigmoid),
        ["HardSwish"] = (VectorKind.Activation, VectorOpCounts.HardSwish),
        ["Softplus"] = (VectorKind.Activation, VectorOpCounts.ExpBased),
        ["Softsign"] = (VectorKind.Activation, VectorOpCounts.ExpBased),
        ["Elu"] = (VectorKind.Activation, VectorOpCounts.ExpBased),
        ["Selu"] = (VectorKind.Activation, VectorOpCounts.ExpBased),
        ["Celu"] = (VectorKind.Activation, VectorOpCounts.ExpBased),
        ["Mish"] = (VectorKind.Activation, VectorOpCounts.Mish),
        ["Shrink"] = (VectorKind.Activation, VectorOpCounts.CompareMultiply),
        ["Erf"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Exp"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Log"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Sqrt"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Neg"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Abs"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Reciprocal"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Floor"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Ceil"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Round"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Sign"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Sin"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Cos"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Tan"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Asin"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Acos"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Atan"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Sinh"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Cosh"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Asinh"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Acosh"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Atanh"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Not"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["IsNaN"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["IsInf"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["BitwiseNot"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["CumSum"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Trilu"] = (VectorKind.Elementwise, VectorOpCounts.Simple),
        ["Softmax"] = (VectorKind.Softmax, VectorOpCounts.Softmax),
        ["LogSoftmax"] = (VectorKind.Softmax, VectorOpCounts.Softmax),
        ["Hardmax"] = (VectorKind.Softmax, VectorOpCounts.Hardmax),
        ["InstanceNormalization"] = (VectorKind.LayerNorm, VectorOpCounts.LayerNorm),
        ["GroupNormalization"] = (VectorKind.LayerNorm, VectorOpCounts.LayerNorm),
        ["MeanVarianceNormalization"] = (VectorKind.LayerNorm, VectorOpCounts.MeanVarianceNormalization),
        ["LpNormalization"] = (VectorKind.LayerNorm, VectorOpCounts.MeanVarianceNormalization),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Broadcasting binary operators and their folded value.</summary>
    private static readonly FrozenDictionary<string, Func<double, double, double>> Binary = new Dictionary<string, Func<double, double, double>>
    {
        ["Add"] = (a, b) => a + b,
        ["Sub"] = (a, b) => a - b,
        ["Mul"] = (a, b) => a * b,
        ["Div"] = (a, b) => a / b,
        ["Pow"] = Math.Pow,
        ["Mod"] = (a, b) => a % b,
        ["Equal"] = (a, b) => a == b ? 1 : 0,
        ["Less"] = (a, b) => a < b ? 1 : 0,
        ["Greater"] = (a, b) => a > b ? 1 : 0,
        ["LessOrEqual"] = (a, b) => a <= b ? 1 : 0,
        ["GreaterOrEqual"] = (a, b) => a >= b ? 1 : 0,
        ["And"] = (a, b) => a != 0 && b != 0 ? 1 : 0,
        ["Or"] = (a, b) => a != 0 || b != 0 ? 1 : 0,
        ["Xor"] = (a, b) => (a != 0) ^ (b != 0) ? 1 : 0,
        ["PRelu"] = (a, b) => a < 0 ? a * b : a,
        ["BitShift"] = (a, _) => a,
        ["BitwiseAnd"] = (a, b) => (long)a & (long)b,
        ["BitwiseOr"] = (a, b) => (long)a | (long)b,
        ["BitwiseXor"] = (a, b) => (long)a ^ (long)b,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenSet<string> Comparisons =
        new[] { "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "IsNaN", "IsInf", "Not" }
            .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Operators whose outputs are constants when every input is: shape arithmetic in exported graphs.</summary>
    private static readonly FrozenSet<string> Foldable = new[]
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
        "And", "Or", "Xor", "Not", "Neg", "Abs", "Floor", "Ceil", "Sqrt", "Reciprocal", "Max", "Min", "Sum", "Where",
        "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Flatten", "Cast", "CastLike", "Slice", "Identity",
        "Expand", "Transpose", "Tile", "Dropout", "ReduceProd", "ReduceSum", "ReduceMin", "ReduceMax", "Range",
        "Shape", "Size", "Constant", "ConstantOfShape", "Split",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Whether the node, given all-constant inputs, is folded into constants.</summary>
    public static bool IsFoldable(string opType) => Foldable.Contains(opType);

    /// <summary>Whether this importer knows the operator (default domain only).</summary>
    public static bool IsSupported(OnnxNode node) =>
        (node.Domain is "" or "ai.onnx" || DomainFree.Contains(node.OpType))
        && (Unary.ContainsKey(node.OpType) || Binary.ContainsKey(node.OpType) || Others.Contains(node.OpType));

    /// <summary>
    /// Activations that exporters emit in custom domains (e.g. com.example.Silu in the SwiGLU models) before
    /// ai.onnx had them; their names fix the math, so the domain does not matter.
    /// </summary>
    private static readonly FrozenSet<string> DomainFree = new[] { "Silu", "Swish", "Gelu" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> Others = new[]
    {
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "LayerNormalization", "Clip", "LRN",
        "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
        "Max", "Min", "Sum", "Mean", "Where", "Concat", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze",
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
        "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "Split", "Slice", "Gather", "GatherElements",
        "ScatterElements", "ScatterND", "Resize", "Upsample", "Pad", "Dropout", "Identity", "Constant", "Cast",
        "CastLike", "Shape", "Size", "ConstantOfShape", "Expand", "Tile", "Range", "DepthToSpace", "SpaceToDepth",
        "EyeLike", "TopK", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "Scatter", "GatherND",
        "ReverseSequence", "MaxUnpool", "Bernoulli", "RandomUniformLike", "RandomNormalLike", "Det",
        "RNN", "GRU", "LSTM", "OneHot",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static OnnxNodeResult Infer(OnnxNodeContext c)
    {
        if (Unary.TryGetValue(c.OpType, out var u))
            return One(OnnxValue.Activation(c.Shape(0), Comparisons.Contains(c.OpType) ? OnnxDataType.Bool : c.In(0).ElemType),
                new VectorLowering(u.Kind, u.Ops), FoldUnary(c));
        if (Binary.TryGetValue(c.OpType, out var f))
            return Elementwise(c, f, c.OpType == "PRelu" ? VectorOpCounts.CompareMultiply : VectorOpCounts.Simple);
        return c.OpType switch
        {
            "Conv" => Conv(c),
            "ConvTranspose" => ConvTranspose(c),
            "Gemm" => Gemm(c),
            "MatMul" => MatMul(c),
            "BatchNormalization" => BatchNorm(c),
            "LayerNormalization" => LayerNorm(c),
            "Clip" => One(OnnxValue.Activation(c.Shape(0), c.In(0).ElemType),
                new VectorLowering(VectorKind.Activation, VectorOpCounts.Clip) { DataInputs = [0] }),
            "LRN" => One(OnnxValue.Activation(c.Shape(0), c.In(0).ElemType),
                new VectorLowering(VectorKind.LayerNorm, VectorOpCounts.Lrn(c.Int("size", 1)))),
            "MaxPool" or "AveragePool" or "LpPool" => Pool(c),
            "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool" => GlobalPool(c),
            "Max" or "Min" or "Sum" or "Mean" => Variadic(c),
            "Where" => Where(c),
            "Concat" => Concat(c),
            "Reshape" => Reshape(c),
            "Flatten" => Flatten(c),
            "Transpose" => Transpose(c),
            "Squeeze" => Squeeze(c),
            "Unsqueeze" => Unsqueeze(c),
            "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL1" or "ReduceL2"
                or "ReduceLogSum" or "ReduceLogSumExp" or "ReduceSumSquare" => Reduce(c),
            "ArgMax" or "ArgMin" => ArgReduce(c),
            "TopK" => TopK(c),
            "Split" => Split(c),
            "Slice" => Slice(c),
            "Gather" => Gather(c),
            "GatherND" => GatherNd(c),
            "RNN" or "GRU" or "LSTM" => Recurrent(c),
            "OneHot" => OneHot(c),
            "MaxUnpool" => MaxUnpool(c),
            "QuantizeLinear" => One(OnnxValue.Activation(c.Shape(0), c.Has(2) ? c.In(2).ElemType : OnnxDataType.UInt8),
                new VectorLowering(VectorKind.Elementwise, VectorOpCounts.Quantize)),
            "DequantizeLinear" => One(OnnxValue.Activation(c.Shape(0), OnnxDataType.Float),
                new VectorLowering(VectorKind.Elementwise, VectorOpCounts.Dequantize)),
            "DynamicQuantizeLinear" => new([OnnxValue.Activation(c.Shape(0), OnnxDataType.UInt8),
                    OnnxValue.Activation([], OnnxDataType.Float), OnnxValue.Activation([], OnnxDataType.UInt8)],
                new VectorLowering(VectorKind.Elementwise, VectorOpCounts.DynamicQuantize)),
            "Bernoulli" or "RandomUniformLike" or "RandomNormalLike" => One(
                OnnxValue.Activation(c.Shape(0), (int)c.Int("dtype", c.In(0).ElemType)), new VectorLowering(VectorKind.Elementwise, VectorOpCounts.Simple)),
            "ReverseSequence" => One(OnnxValue.Activation(c.Shape(0), c.In(0).ElemType), new ShapeLowering(ShapeKind.Slice)),
            "Det" => One(OnnxValue.Activation(c.Rank(0) >= 2 ? c.Shape(0)[..^2] : throw c.Fail("Det needs a matrix"), c.In(0).ElemType),
                new VectorLowering(VectorKind.Reduction, Math.Max(1, Product(c.Shape(0)[^2..])))),
            "GatherElements" => One(OnnxValue.Activation(c.Shape(1), c.In(0).ElemType), new ShapeLowering(ShapeKind.Slice)),
            "ScatterElements" or "ScatterND" or "Scatter" => One(OnnxValue.Activation(c.Shape(0), c.In(0).ElemType), new ShapeLowering(ShapeKind.Slice)),
            "Resize" or "Upsample" => Resize(c),
            "Pad" => Pad(c),
            "Dropout" => Dropout(c),
            "Identity" => One(c.In(0) with { }, new ShapeLowering(ShapeKind.Identity), c.In(0).Values),
            "Constant" => Constant(c),
            "Cast" => Cast(c, (int)c.Int("to", OnnxDataType.Float)),
            "CastLike" => Cast(c, c.In(1).ElemType),
            "Shape" => Shape(c),
            "Size" => One(OnnxValue.Constant([], OnnxDataType.Int64, [c.In(0).Elements]), FoldLowering.Instance),
            "ConstantOfShape" => ConstantOfShape(c),
            "Expand" => Expand(c),
            "Tile" => Tile(c),
            "Range" => Range(c),
            "DepthToSpace" or "SpaceToDepth" => DepthSpace(c),
            "EyeLike" => One(OnnxValue.Activation(c.Shape(0), (int)c.Int("dtype", c.In(0).ElemType)), new ShapeLowering(ShapeKind.Identity)),
            _ => throw new InvalidOperationException($"operator {c.OpType} passed IsSupported but has no rule"),
        };
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>A single-output result; values (when given) make the output a candidate for folding.</summary>
    private static OnnxNodeResult One(OnnxValue output, OnnxLowering lowering, double[]? values = null) =>
        new([values is null ? output : output with { Values = values }], lowering);

    internal static long Product(IEnumerable<long> dims) => dims.Aggregate(1L, (p, d) => checked(p * d));

    /// <summary>Numpy multidirectional broadcasting; null when the shapes are incompatible.</summary>
    internal static long[]? Broadcast(IReadOnlyList<long[]> shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long dim = 1;
            foreach (var s in shapes)
            {
                int j = i - (rank - s.Length);
                if (j < 0) continue;
                long d = s[j];
                if (d == 1) continue;
                if (dim != 1 && dim != d) return null;
                dim = d;
            }
            // A zero-size dimension wins over 1 (numpy semantics).
            result[i] = shapes.Any(s => i - (rank - s.Length) >= 0 && s[i - (rank - s.Length)] == 0) ? 0 : dim;
        }
        return result;
    }

    /// <summary>Evaluates an n-ary broadcasting function on folded values; null if any input lacks values.</summary>
    private static double[]? BroadcastValues(long[] outShape, IReadOnlyList<OnnxValue> inputs, Func<double[], double> f)
    {
        if (inputs.Any(i => i.Values is null)) return null;
        long count = Product(outShape);
        if (count > OnnxValue.MaxFoldedElements) return null;
        int rank = outShape.Length;
        var strides = inputs.Select(inp =>
        {
            var s = new long[rank];
            long stride = 1;
            for (int i = inp.Shape.Length - 1; i >= 0; i--)
            {
                int o = i + rank - inp.Shape.Length;
                s[o] = inp.Shape[i] == 1 ? 0 : stride;
                stride *= inp.Shape[i];
            }
            return s;
        }).ToArray();
        var result = new double[count];
        var args = new double[inputs.Count];
        var index = new long[rank];
        for (long n = 0; n < count; n++)
        {
            for (int k = 0; k < inputs.Count; k++)
            {
                long off = 0;
                for (int d = 0; d < rank; d++) off += index[d] * strides[k][d];
                args[k] = inputs[k].Values![off];
            }
            result[n] = f(args);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < outShape[d]) break;
                index[d] = 0;
            }
        }
        return result;
    }

    /// <summary>Integer division and casts truncate toward zero for integral element types.</summary>
    private static double[]? Integral(double[]? values, int elemType) =>
        values is null || !OnnxDataType.IsIntegral(elemType) ? values
            : elemType == OnnxDataType.Bool ? [.. values.Select(v => v != 0 ? 1.0 : 0.0)]
            : [.. values.Select(Math.Truncate)];

    private static double[]? FoldUnary(OnnxNodeContext c)
    {
        var v = c.In(0).Values;
        if (v is null) return null;
        Func<double, double>? f = c.OpType switch
        {
            "Neg" => x => -x,
            "Abs" => Math.Abs,
            "Floor" => Math.Floor,
            "Ceil" => Math.Ceiling,
            "Sqrt" => Math.Sqrt,
            "Reciprocal" => x => 1 / x,
            "Not" => x => x == 0 ? 1 : 0,
            _ => null,
        };
        return f is null ? null : [.. v.Select(f)];
    }

    private static OnnxNodeResult Elementwise(OnnxNodeContext c, Func<double, double, double> f, double ops)
    {
        var a = c.In(0);
        var b = c.In(1);
        var shape = Broadcast([a.Shape, b.Shape])
            ?? throw c.Fail($"shapes {OnnxNodeContext.Show(a.Shape)} and {OnnxNodeContext.Show(b.Shape)} do not broadcast");
        int type = Comparisons.Contains(c.OpType) ? OnnxDataType.Bool : a.ElemType;
        var values = Integral(BroadcastValues(shape, [a, b], x => f(x[0], x[1])), type);
        return One(OnnxValue.Activation(shape, type), new VectorLowering(VectorKind.Elementwise, ops), values);
    }

    private static OnnxNodeResult Variadic(OnnxNodeContext c)
    {
        var ins = Enumerable.Range(0, c.InputCount).Where(c.Has).Select(c.In).ToList();
        var shape = Broadcast([.. ins.Select(i => i.Shape)])
            ?? throw c.Fail($"input shapes {string.Join(" ", ins.Select(i => OnnxNodeContext.Show(i.Shape)))} do not broadcast");
        Func<double[], double> f = c.OpType switch
        {
            "Max" => x => x.Max(),
            "Min" => x => x.Min(),
            "Sum" => x => x.Sum(),
            _ => x => x.Average(),
        };
        // n inputs combine with n − 1 operations (plus a divide for Mean).
        double ops = Math.Max(1, ins.Count - 1) + (c.OpType == "Mean" ? 1 : 0);
        return One(OnnxValue.Activation(shape, ins[0].ElemType), new VectorLowering(VectorKind.Elementwise, ops),
            BroadcastValues(shape, ins, f));
    }

    private static OnnxNodeResult Where(OnnxNodeContext c)
    {
        var ins = new[] { c.In(0), c.In(1), c.In(2) };
        var shape = Broadcast([.. ins.Select(i => i.Shape)])
            ?? throw c.Fail($"input shapes {string.Join(" ", ins.Select(i => OnnxNodeContext.Show(i.Shape)))} do not broadcast");
        return One(OnnxValue.Activation(shape, ins[1].ElemType), new VectorLowering(VectorKind.Elementwise, VectorOpCounts.Simple),
            BroadcastValues(shape, ins, x => x[0] != 0 ? x[1] : x[2]));
    }
}
