using System.Collections.Immutable;

namespace Tessera.Workloads.Onnx;

/// <summary>MAC operators, normalisations, pooling and reductions.</summary>
internal static partial class OnnxShapeInference
{
    private static long CeilDiv(long a, long b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>Output size of a sliding window along one axis (ONNX Conv/Pool shape rules).</summary>
    private static long WindowOutput(OnnxNodeContext c, long size, long kernel, long stride, long dilation,
        long padBegin, long padEnd, bool ceil)
    {
        if (stride <= 0 || dilation <= 0 || kernel <= 0)
            throw c.Fail($"kernel {kernel}, stride {stride} and dilation {dilation} must be positive");
        long effective = (kernel - 1) * dilation + 1;
        switch (c.Str("auto_pad", "NOTSET"))
        {
            case "SAME_UPPER" or "SAME_LOWER":
                return CeilDiv(size, stride);
            case "VALID":
                return CeilDiv(size - effective + 1, stride);
        }
        long span = size + padBegin + padEnd - effective;
        long output = (ceil ? CeilDiv(span, stride) : FloorDiv(span, stride)) + 1;
        // With ceil_mode, a last window that would start inside the end padding is dropped.
        if (ceil && (output - 1) * stride >= size + padBegin) output--;
        return output;
    }

    /// <summary>Spatial attributes of Conv and pooling: kernel, strides, dilations, pads (begin…, end…).</summary>
    private static (long[] Kernel, long[] Strides, long[] Dilations, long[] Pads) Window(OnnxNodeContext c, int spatial, long[]? kernel)
    {
        var k = c.Ints("kernel_shape") ?? kernel ?? throw c.Fail("kernel_shape is required");
        var strides = c.Ints("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        var dilations = c.Ints("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        var pads = c.Ints("pads") ?? new long[2 * spatial];
        if (k.Length != spatial || strides.Length != spatial || dilations.Length != spatial || pads.Length != 2 * spatial)
            throw c.Fail($"kernel/strides/dilations/pads do not match {spatial} spatial dimensions");
        if (k.Any(v => v <= 0) || strides.Any(v => v <= 0) || dilations.Any(v => v <= 0) || pads.Any(v => v < 0))
            throw c.Fail($"kernel {OnnxNodeContext.Show(k)}, strides {OnnxNodeContext.Show(strides)}, dilations {OnnxNodeContext.Show(dilations)}, pads {OnnxNodeContext.Show(pads)}; expected positive kernel, strides and dilations and pads ≥ 0");
        return (k, strides, dilations, pads);
    }

    private static long[] SpatialOutput(OnnxNodeContext c, long[] x, long[] kernel, long[] strides, long[] dilations, long[] pads, bool ceil)
    {
        int spatial = x.Length - 2;
        var result = new long[spatial];
        for (int i = 0; i < spatial; i++)
        {
            result[i] = WindowOutput(c, x[i + 2], kernel[i], strides[i], dilations[i], pads[i], pads[i + spatial], ceil);
            if (result[i] <= 0)
                throw c.Fail($"input {OnnxNodeContext.Show(x)} is too small for kernel {OnnxNodeContext.Show(kernel)}");
        }
        return result;
    }

    private static OnnxNodeResult Conv(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        var w = c.Shape(1);
        int spatial = x.Length - 2;
        if (spatial < 1 || w.Length != x.Length)
            throw c.Fail($"input {OnnxNodeContext.Show(x)} and weight {OnnxNodeContext.Show(w)} are not a convolution");
        long groups = c.Int("group", 1);
        if (groups <= 0 || x[1] != w[1] * groups || w[0] % groups != 0)
            throw c.Fail($"input {OnnxNodeContext.Show(x)} and weight {OnnxNodeContext.Show(w)} do not match group={groups}");
        var (kernel, strides, dilations, pads) = Window(c, spatial, w[2..]);
        var outSpatial = SpatialOutput(c, x, kernel, strides, dilations, pads, false);
        long[] y = [x[0], w[0], .. outSpatial];
        if (spatial > 2) throw c.Fail($"only 1-D and 2-D convolutions are supported, this one has {spatial} spatial dimensions");
        // A 1-D convolution is a 2-D one with height 1.
        bool twoD = spatial == 2;
        var padBegin = BeginPadding(c, x, outSpatial, kernel, strides, dilations, pads);
        var lowering = new ComputeLowering((ins, o, bits) => LoopNests.Convolution(ins[0], ins[1], o,
            x[0], groups, w[0] / groups, w[1], twoD ? outSpatial[0] : 1, outSpatial[^1],
            twoD ? kernel[0] : 1, kernel[^1], twoD ? strides[0] : 1, strides[^1], twoD ? dilations[0] : 1, dilations[^1],
            bits, bits, bits, twoD ? padBegin[0] : 0, padBegin[^1], inputHeight: twoD ? x[2] : 1, inputWidth: x[^1]));
        return One(OnnxValue.Activation(y, c.In(0).ElemType), lowering);
    }

    /// <summary>Padding before the first element of each spatial axis, from pads or auto_pad (SAME_LOWER puts the odd one first).</summary>
    private static long[] BeginPadding(OnnxNodeContext c, long[] x, long[] outSpatial, long[] kernel, long[] strides,
        long[] dilations, long[] pads)
    {
        var autoPad = c.Str("auto_pad", "NOTSET");
        var begin = new long[outSpatial.Length];
        for (int i = 0; i < begin.Length; i++)
        {
            long total = Math.Max(0, (outSpatial[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - x[i + 2]);
            begin[i] = autoPad switch
            {
                "SAME_UPPER" => total / 2,
                "SAME_LOWER" => total - total / 2,
                "VALID" => 0,
                _ => pads[i],
            };
        }
        return begin;
    }

    private static OnnxNodeResult ConvTranspose(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        var w = c.Shape(1);
        int spatial = x.Length - 2;
        long groups = c.Int("group", 1);
        if (spatial < 1 || w.Length != x.Length || groups <= 0 || x[1] != w[0] || w[0] % groups != 0)
            throw c.Fail($"input {OnnxNodeContext.Show(x)} and weight {OnnxNodeContext.Show(w)} do not match group={groups}");
        var (kernel, strides, dilations, pads) = Window(c, spatial, w[2..]);
        var outputPadding = c.Ints("output_padding") ?? new long[spatial];
        var explicitShape = c.Ints("output_shape");
        var outSpatial = new long[spatial];
        for (int i = 0; i < spatial; i++)
        {
            long full = strides[i] * (x[i + 2] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1;
            outSpatial[i] = explicitShape is not null ? explicitShape[explicitShape.Length - spatial + i]
                : c.Str("auto_pad", "NOTSET") is "SAME_UPPER" or "SAME_LOWER" ? x[i + 2] * strides[i]
                : full - pads[i] - pads[i + spatial];
        }
        // Output positions cropped before the first kept one (ONNX: pads begin; SAME_UPPER puts the odd one last).
        var crop = new long[spatial];
        var autoPad = c.Str("auto_pad", "NOTSET");
        for (int i = 0; i < spatial; i++)
        {
            long total = strides[i] * (x[i + 2] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1 - outSpatial[i];
            crop[i] = explicitShape is null && autoPad is not ("SAME_UPPER" or "SAME_LOWER") ? pads[i]
                : autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
        }
        long[] y = [x[0], w[1] * groups, .. outSpatial];
        if (spatial > 2) throw c.Fail($"only 1-D and 2-D transposed convolutions are supported, this one has {spatial} spatial dimensions");
        bool twoD = spatial == 2;
        long inH = twoD ? x[2] : 1, inW = x[^1];
        long kH = twoD ? kernel[0] : 1, kW = kernel[^1];
        long sH = twoD ? strides[0] : 1, sW = strides[^1];
        long dH = twoD ? dilations[0] : 1, dW = dilations[^1];
        long inPerGroup = x[1] / groups, outPerGroup = w[1];
        // Every input pixel scatters a kernel window into the output: the mirror of a convolution's nest,
        // so the MACs are the useful ones (no multiplications by inserted zeros).
        var lowering = new ComputeLowering((ins, o, bits) =>
        {
            ImmutableArray<LoopDimension> dims =
            [
                new("B", x[0]), new("G", groups), new("K", outPerGroup), new("C", inPerGroup),
                new("IY", inH), new("IX", inW), new("FY", kH), new("FX", kW),
            ];
            var inChannel = OperandAxis.Of(new IndexTerm("G", inPerGroup), new IndexTerm("C"));
            var outChannel = OperandAxis.Of(new IndexTerm("G", outPerGroup), new IndexTerm("K"));
            ImmutableArray<LoopOperand> operands =
            [
                new(ins[0], OperandRole.Input, [OperandAxis.Of("B"), inChannel, OperandAxis.Of("IY"), OperandAxis.Of("IX")], bits),
                new(ins[1], OperandRole.Weight, [inChannel, OperandAxis.Of("K"), OperandAxis.Of("FY"), OperandAxis.Of("FX")], bits),
                new(o, OperandRole.Output,
                    [OperandAxis.Of("B"), outChannel,
                     OperandAxis.Of(new IndexTerm("IY", sH), new IndexTerm("FY", dH)) with { Padding = twoD ? crop[0] : 0 },
                     OperandAxis.Of(new IndexTerm("IX", sW), new IndexTerm("FX", dW)) with { Padding = crop[^1] }], bits),
            ];
            return new LoopNest(dims, operands);
        });
        return One(OnnxValue.Activation(y, c.In(0).ElemType), lowering);
    }

    private static OnnxNodeResult Gemm(OnnxNodeContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        if (a.Length != 2 || b.Length != 2)
            throw c.Fail($"Gemm needs 2-D operands, got {OnnxNodeContext.Show(a)} and {OnnxNodeContext.Show(b)}");
        bool ta = c.Int("transA", 0) != 0, tb = c.Int("transB", 0) != 0;
        long m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
        long k2 = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
        if (k != k2)
            throw c.Fail($"inner dimensions differ: A {OnnxNodeContext.Show(a)} (transA={(ta ? 1 : 0)}) and B {OnnxNodeContext.Show(b)} (transB={(tb ? 1 : 0)})");
        if (c.Has(2) && Broadcast([c.Shape(2), [m, n]]) is var bc && (bc is null || bc[0] != m || bc[1] != n))
            throw c.Fail($"bias {OnnxNodeContext.Show(c.Shape(2))} does not broadcast to [{m},{n}]");
        var lowering = new ComputeLowering((ins, o, bits) => LoopNests.MatMul(ins[0], ins[1], o, 1, m, n, k, true, bits, bits, bits));
        return One(OnnxValue.Activation([m, n], c.In(0).ElemType), lowering);
    }

    private static OnnxNodeResult MatMul(OnnxNodeContext c)
    {
        var a = c.Shape(0);
        var b = c.Shape(1);
        if (a.Length == 0 || b.Length == 0) throw c.Fail("MatMul operands must have rank ≥ 1");
        // numpy.matmul: a 1-D left operand is a row vector, a 1-D right operand a column vector.
        long[] am = a.Length == 1 ? [1, a[0]] : a;
        long[] bm = b.Length == 1 ? [b[0], 1] : b;
        long m = am[^2], k = am[^1], k2 = bm[^2], n = bm[^1];
        if (k != k2)
            throw c.Fail($"inner dimensions differ: {OnnxNodeContext.Show(a)} × {OnnxNodeContext.Show(b)}");
        var batch = Broadcast([am[..^2], bm[..^2]])
            ?? throw c.Fail($"batch dimensions of {OnnxNodeContext.Show(a)} and {OnnxNodeContext.Show(b)} do not broadcast");
        long[] y = [.. batch, .. a.Length > 1 ? [m] : Array.Empty<long>(), .. b.Length > 1 ? [n] : Array.Empty<long>()];
        long batchSize = Product(batch);
        // A right operand without batch dimensions is shared (a weight): fold the batch into M.
        bool shared = Product(bm[..^2]) == 1;
        var lowering = new ComputeLowering((ins, o, bits) => shared
            ? LoopNests.MatMul(ins[0], ins[1], o, 1, batchSize * m, n, k, true, bits, bits, bits)
            : LoopNests.MatMul(ins[0], ins[1], o, batchSize, m, n, k, false, bits, bits, bits));
        return One(OnnxValue.Activation(y, c.In(0).ElemType), lowering);
    }

    private static OnnxNodeResult BatchNorm(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        if (x.Length < 2) throw c.Fail($"input {OnnxNodeContext.Show(x)} has no channel axis");
        var outputs = new List<OnnxValue?> { OnnxValue.Activation(x, c.In(0).ElemType) };
        // Training mode adds running mean and variance (and older opsets saved statistics), one value per channel.
        for (int i = 1; i < c.Node.Outputs.Length; i++)
            outputs.Add(OnnxValue.Activation([x[1]], c.In(0).ElemType));
        return new(outputs, new VectorLowering(VectorKind.BatchNorm, VectorOpCounts.BatchNorm));
    }

    private static OnnxNodeResult LayerNorm(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        int axis = c.Axis(c.Int("axis", -1), x.Length);
        long[] stats = [.. x.Take(axis), .. Enumerable.Repeat(1L, x.Length - axis)];
        var outputs = new List<OnnxValue?> { OnnxValue.Activation(x, c.In(0).ElemType) };
        for (int i = 1; i < c.Node.Outputs.Length; i++)
            outputs.Add(OnnxValue.Activation(stats, OnnxDataType.Float));
        return new(outputs, new VectorLowering(VectorKind.LayerNorm, VectorOpCounts.LayerNorm));
    }

    private static OnnxNodeResult Pool(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        int spatial = x.Length - 2;
        if (spatial < 1) throw c.Fail($"input {OnnxNodeContext.Show(x)} has no spatial axes");
        var (kernel, strides, dilations, pads) = Window(c, spatial, null);
        var outSpatial = SpatialOutput(c, x, kernel, strides, dilations, pads, c.Int("ceil_mode", 0) != 0);
        long[] y = [x[0], x[1], .. outSpatial];
        var outputs = new List<OnnxValue?> { OnnxValue.Activation(y, c.In(0).ElemType) };
        if (c.Node.Outputs.Length > 1) outputs.Add(OnnxValue.Activation(y, OnnxDataType.Int64));   // MaxPool indices
        // Each output element combines one kernel window.
        var padBegin = BeginPadding(c, x, outSpatial, kernel, strides, dilations, pads);
        var window = spatial is 1 or 2
            ? new SlidingWindow(spatial == 2 ? kernel[0] : 1, kernel[^1], spatial == 2 ? strides[0] : 1, strides[^1],
                spatial == 2 ? padBegin[0] : 0, padBegin[^1], spatial == 2 ? dilations[0] : 1, dilations[^1])
            : null;
        return new(outputs, new VectorLowering(VectorKind.Pooling, Product(kernel)) { Window = window });
    }

    private static OnnxNodeResult GlobalPool(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        if (x.Length < 2) throw c.Fail($"input {OnnxNodeContext.Show(x)} has no channel axis");
        long[] y = [x[0], x[1], .. Enumerable.Repeat(1L, x.Length - 2)];
        return One(OnnxValue.Activation(y, c.In(0).ElemType), new VectorLowering(VectorKind.Pooling, Math.Max(1, Product(x[2..]))));
    }

    /// <summary>Reduction axes from the attribute (older opsets) or the optional second input.</summary>
    private static long[]? ReduceAxes(OnnxNodeContext c)
    {
        if (c.Ints("axes") is { } attr) return attr;
        return c.Has(1) ? c.IntsOf(1) : null;
    }

    private static OnnxNodeResult Reduce(OnnxNodeContext c)
    {
        var x = c.In(0);
        var axesRaw = ReduceAxes(c);
        bool keep = c.Int("keepdims", 1) != 0;
        if ((axesRaw is null || axesRaw.Length == 0) && c.Int("noop_with_empty_axes", 0) != 0)
            return One(x with { IsConstant = false }, new VectorLowering(VectorKind.Reduction, VectorOpCounts.Simple) { DataInputs = [0] }, x.Values);
        var axes = (axesRaw is null || axesRaw.Length == 0 ? Enumerable.Range(0, x.Shape.Length) : axesRaw.Select(a => c.Axis(a, x.Shape.Length)))
            .ToHashSet();
        var y = new List<long>();
        for (int i = 0; i < x.Shape.Length; i++)
            if (!axes.Contains(i)) y.Add(x.Shape[i]);
            else if (keep) y.Add(1);
        long outElements = Product(y);
        double ops = outElements == 0 ? 1 : Math.Max(1, (double)x.Elements / outElements);
        double[]? values = null;
        if (x.Values is not null && axes.Count == x.Shape.Length)
            values = c.OpType switch
            {
                "ReduceProd" => [x.Values.Aggregate(1.0, (p, v) => p * v)],
                "ReduceSum" => [x.Values.Sum()],
                "ReduceMin" when x.Values.Length > 0 => [x.Values.Min()],
                "ReduceMax" when x.Values.Length > 0 => [x.Values.Max()],
                _ => null,
            };
        return One(OnnxValue.Activation([.. y], x.ElemType), new VectorLowering(VectorKind.Reduction, ops) { DataInputs = [0] }, values);
    }

    private static OnnxNodeResult ArgReduce(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        int axis = c.Axis(c.Int("axis", 0), x.Length);
        bool keep = c.Int("keepdims", 1) != 0;
        long[] y = keep ? [.. x.Take(axis), 1, .. x.Skip(axis + 1)] : [.. x.Take(axis), .. x.Skip(axis + 1)];
        return One(OnnxValue.Activation(y, OnnxDataType.Int64), new VectorLowering(VectorKind.Reduction, Math.Max(1, x[axis])));
    }

    private static OnnxNodeResult TopK(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        int axis = c.Axis(c.Int("axis", -1), x.Length);
        long k = c.Has(1) ? c.IntsOf(1)[0] : c.Int("k", 1);
        if (k < 0 || k > x[axis]) throw c.Fail($"k = {k} is out of range for axis of size {x[axis]}");
        var y = (long[])x.Clone();
        y[axis] = k;
        // Selecting k of n elements scans the axis once per output element (a bound, not a sort).
        return new([OnnxValue.Activation(y, c.In(0).ElemType), OnnxValue.Activation(y, OnnxDataType.Int64)],
            new VectorLowering(VectorKind.Reduction, Math.Max(1, x[axis])) { DataInputs = [0] });
    }

    private static OnnxNodeResult Recurrent(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        var w = c.Shape(1);
        if (x.Length != 3 || w.Length != 3)
            throw c.Fail($"input {OnnxNodeContext.Show(x)} and weight {OnnxNodeContext.Show(w)} must be 3-D");
        // Gate matrices stacked in W: RNN has one, GRU three (update, reset, hidden), LSTM four (input, output, forget, cell).
        long gates = c.OpType switch { "RNN" => 1, "GRU" => 3, _ => 4 };
        long directions = c.Str("direction", "forward") == "bidirectional" ? 2 : 1;
        long hidden = c.Int("hidden_size", w[1] / gates);
        bool batchFirst = c.Int("layout", 0) != 0;
        long seq = batchFirst ? x[1] : x[0], batch = batchFirst ? x[0] : x[1], inputSize = x[2];
        if (w[0] != directions || w[1] != gates * hidden || w[2] != inputSize)
            throw c.Fail($"weight {OnnxNodeContext.Show(w)} does not match {directions} direction(s) × {gates}·{hidden} gates × input {inputSize}");
        int type = c.In(0).ElemType;
        var outputs = new List<OnnxValue?>
        {
            OnnxValue.Activation(batchFirst ? [batch, seq, directions, hidden] : [seq, directions, batch, hidden], type),
            OnnxValue.Activation(batchFirst ? [batch, directions, hidden] : [directions, batch, hidden], type),
        };
        if (c.OpType == "LSTM") outputs.Add(outputs[1]);   // Y_c has Y_h's shape
        // Every step multiplies [x_t, h_{t−1}] by the stacked gate weights [W; R]: one matmul per direction with
        // M = seq·batch rows, K = input + hidden, N = gates·hidden. The recurrence's element-wise gate math is omitted.
        var lowering = new ComputeLowering((ins, o, bits) => LoopNests.MatMul(ins[0], ins[1], o,
            directions, seq * batch, gates * hidden, inputSize + hidden, directions == 1, bits, bits, bits));
        return new(outputs, lowering);
    }
}
