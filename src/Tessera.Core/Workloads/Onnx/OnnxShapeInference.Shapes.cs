namespace Tessera.Workloads.Onnx;

/// <summary>Data-movement operators and the shape-arithmetic operators that fold to constants.</summary>
internal static partial class OnnxShapeInference
{
    private static OnnxNodeResult Concat(OnnxNodeContext c)
    {
        var ins = Enumerable.Range(0, c.InputCount).Where(c.Has).Select(c.In).ToList();
        if (ins.Count == 0) throw c.Fail("Concat needs at least one input");
        int rank = ins[0].Shape.Length;
        int axis = c.Axis(c.Int("axis", 0), rank);
        var y = (long[])ins[0].Shape.Clone();
        y[axis] = 0;
        foreach (var t in ins)
        {
            if (t.Shape.Length != rank || Enumerable.Range(0, rank).Any(i => i != axis && t.Shape[i] != y[i]))
                throw c.Fail($"input shapes {string.Join(" ", ins.Select(i => OnnxNodeContext.Show(i.Shape)))} differ outside axis {axis}");
            y[axis] += t.Shape[axis];
        }
        double[]? values = null;
        if (ins.All(i => i.Values is not null))
        {
            // Row-major: for each outer index, append each input's block along the axis.
            long outer = Product(y.Take(axis)), inner = Product(y.Skip(axis + 1));
            var list = new List<double>();
            for (long o = 0; o < outer; o++)
                foreach (var t in ins)
                {
                    long block = t.Shape[axis] * inner;
                    for (long j = 0; j < block; j++) list.Add(t.Values![o * block + j]);
                }
            values = [.. list];
        }
        return One(OnnxValue.Activation(y, ins[0].ElemType), new ShapeLowering(ShapeKind.Concat), values);
    }

    private static OnnxNodeResult Reshape(OnnxNodeContext c)
    {
        var x = c.In(0);
        long[] target = c.Opset < 5 && c.Ints("shape") is { } attr ? attr : c.IntsOf(1);
        bool allowZero = c.Int("allowzero", 0) != 0;
        var y = new long[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (inferred >= 0) throw c.Fail($"shape {OnnxNodeContext.Show(target)} has more than one -1");
                inferred = i;
                y[i] = 1;
            }
            else if (target[i] == 0 && !allowZero)
            {
                // 0 copies the input's dimension at the same index.
                if (i >= x.Shape.Length) throw c.Fail($"shape {OnnxNodeContext.Show(target)} copies dimension {i} of {OnnxNodeContext.Show(x.Shape)}");
                y[i] = x.Shape[i];
            }
            else if (target[i] < 0) throw c.Fail($"shape {OnnxNodeContext.Show(target)} has a negative size");
            else y[i] = target[i];
        }
        long known = Product(y);
        if (inferred >= 0)
        {
            if (known == 0 || x.Elements % known != 0)
                throw c.Fail($"cannot reshape {OnnxNodeContext.Show(x.Shape)} to {OnnxNodeContext.Show(target)}");
            y[inferred] = x.Elements / known;
        }
        else if (known != x.Elements)
            throw c.Fail($"cannot reshape {OnnxNodeContext.Show(x.Shape)} ({x.Elements} elements) to {OnnxNodeContext.Show(y)}");
        return One(OnnxValue.Activation(y, x.ElemType), new ShapeLowering(ShapeKind.Reshape) { DataInputs = [0] }, x.Values);
    }

    private static OnnxNodeResult Flatten(OnnxNodeContext c)
    {
        var x = c.In(0);
        long axis = c.Int("axis", 1);
        if (axis < 0) axis += x.Shape.Length;
        if (axis < 0 || axis > x.Shape.Length) throw c.Fail($"axis {c.Int("axis", 1)} is out of range for {OnnxNodeContext.Show(x.Shape)}");
        long[] y = [Product(x.Shape.Take((int)axis)), Product(x.Shape.Skip((int)axis))];
        return One(OnnxValue.Activation(y, x.ElemType), new ShapeLowering(ShapeKind.Reshape), x.Values);
    }

    private static OnnxNodeResult Transpose(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        var perm = c.Ints("perm") ?? [.. Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i)];
        if (perm.Length != x.Length || perm.Distinct().Count() != x.Length || perm.Any(p => p < 0 || p >= x.Length))
            throw c.Fail($"perm {OnnxNodeContext.Show(perm)} is not a permutation of {x.Length} axes");
        return One(OnnxValue.Activation([.. perm.Select(p => x[p])], c.In(0).ElemType), new ShapeLowering(ShapeKind.Transpose));
    }

    /// <summary>Axes of Squeeze/Unsqueeze: an attribute before opset 13, the second input from 13 on.</summary>
    private static long[]? AxesAttrOrInput(OnnxNodeContext c) =>
        c.Ints("axes") ?? (c.Has(1) ? c.IntsOf(1) : null);

    private static OnnxNodeResult Squeeze(OnnxNodeContext c)
    {
        var x = c.In(0);
        var axesRaw = AxesAttrOrInput(c);
        var axes = axesRaw is null
            ? Enumerable.Range(0, x.Shape.Length).Where(i => x.Shape[i] == 1).ToHashSet()
            : axesRaw.Select(a => c.Axis(a, x.Shape.Length)).ToHashSet();
        foreach (var a in axes)
            if (x.Shape[a] != 1) throw c.Fail($"cannot squeeze axis {a} of {OnnxNodeContext.Show(x.Shape)}");
        long[] y = [.. x.Shape.Where((_, i) => !axes.Contains(i))];
        return One(OnnxValue.Activation(y, x.ElemType), new ShapeLowering(ShapeKind.Reshape) { DataInputs = [0] }, x.Values);
    }

    private static OnnxNodeResult Unsqueeze(OnnxNodeContext c)
    {
        var x = c.In(0);
        var axesRaw = AxesAttrOrInput(c) ?? throw c.Fail("axes are required");
        int rank = x.Shape.Length + axesRaw.Length;
        var axes = axesRaw.Select(a => c.Axis(a, rank)).ToHashSet();
        if (axes.Count != axesRaw.Length) throw c.Fail($"axes {OnnxNodeContext.Show(axesRaw)} repeat an axis");
        var y = new long[rank];
        for (int i = 0, j = 0; i < rank; i++)
            y[i] = axes.Contains(i) ? 1 : x.Shape[j++];
        return One(OnnxValue.Activation(y, x.ElemType), new ShapeLowering(ShapeKind.Reshape) { DataInputs = [0] }, x.Values);
    }

    private static OnnxNodeResult Split(OnnxNodeContext c)
    {
        var x = c.In(0);
        int axis = c.Axis(c.Int("axis", 0), x.Shape.Length);
        int outputs = c.Node.Outputs.Length;
        long dim = x.Shape[axis];
        long[] sizes;
        if (c.Ints("split") is { } attr) sizes = attr;
        else if (c.Has(1)) sizes = c.IntsOf(1);
        else
        {
            long n = c.Int("num_outputs", outputs);
            // Uneven splits give every chunk ceil(dim / n) and the last one the remainder (opset 18).
            long chunk = CeilDiv(dim, Math.Max(n, 1));
            sizes = [.. Enumerable.Range(0, (int)n).Select(i => Math.Max(0, Math.Min(chunk, dim - i * chunk)))];
        }
        if (sizes.Length != outputs || sizes.Sum() != dim)
            throw c.Fail($"split sizes {OnnxNodeContext.Show(sizes)} do not divide axis {axis} of {OnnxNodeContext.Show(x.Shape)} into {outputs} outputs");
        var results = new List<OnnxValue?>();
        long offset = 0;
        foreach (var s in sizes)
        {
            var y = (long[])x.Shape.Clone();
            y[axis] = s;
            double[]? values = x.Values is not null && x.Shape.Length == 1 ? x.Values[(int)offset..(int)(offset + s)] : null;
            results.Add(new OnnxValue(y, x.ElemType, false, values));
            offset += s;
        }
        return new(results, new ShapeLowering(ShapeKind.Split) { DataInputs = [0] });
    }

    private static OnnxNodeResult Slice(OnnxNodeContext c)
    {
        var x = c.In(0);
        int rank = x.Shape.Length;
        long[] starts, ends;
        long[]? axesRaw, steps = null;
        if (c.Opset < 10)
        {
            starts = c.Ints("starts") ?? throw c.Fail("starts are required");
            ends = c.Ints("ends") ?? throw c.Fail("ends are required");
            axesRaw = c.Ints("axes");
        }
        else
        {
            starts = c.IntsOf(1);
            ends = c.IntsOf(2);
            axesRaw = c.Has(3) ? c.IntsOf(3) : null;
            steps = c.Has(4) ? c.IntsOf(4) : null;
        }
        var axes = axesRaw?.Select(a => c.Axis(a, rank)).ToArray() ?? [.. Enumerable.Range(0, starts.Length)];
        steps ??= [.. Enumerable.Repeat(1L, starts.Length)];
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw c.Fail("starts, ends, axes and steps differ in length");
        var begin = new long[rank];
        var step = Enumerable.Repeat(1L, rank).ToArray();
        var y = (long[])x.Shape.Clone();
        for (int i = 0; i < starts.Length; i++)
        {
            int a = axes[i];
            long dim = x.Shape[a], st = steps[i];
            if (st == 0) throw c.Fail("a slice step is 0");
            long s = starts[i] < 0 ? starts[i] + dim : starts[i];
            long e = ends[i] < 0 ? ends[i] + dim : ends[i];
            // Clamping per the ONNX Slice specification: [0, dim] going forward, [−1, dim − 1] going backward.
            if (st > 0)
            {
                s = Math.Clamp(s, 0, dim);
                e = Math.Clamp(e, 0, dim);
                y[a] = Math.Max(0, CeilDiv(e - s, st));
            }
            else
            {
                s = Math.Clamp(s, 0, dim - 1);
                e = Math.Clamp(e, -1, dim - 1);
                y[a] = Math.Max(0, CeilDiv(s - e, -st));
            }
            begin[a] = s;
            step[a] = st;
        }
        double[]? values = null;
        if (x.Values is not null)
        {
            var strides = Strides(x.Shape);
            values = Gather(y, idx =>
            {
                long off = 0;
                for (int d = 0; d < rank; d++) off += (begin[d] + idx[d] * step[d]) * strides[d];
                return x.Values[off];
            });
        }
        return One(OnnxValue.Activation(y, x.ElemType), new ShapeLowering(ShapeKind.Slice) { DataInputs = [0] }, values);
    }

    private static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /// <summary>Builds an output tensor element by element from its multi-index; null when too large to fold.</summary>
    private static double[]? Gather(long[] shape, Func<long[], double> at)
    {
        long count = Product(shape);
        if (count > OnnxValue.MaxFoldedElements) return null;
        var result = new double[count];
        var idx = new long[shape.Length];
        for (long n = 0; n < count; n++)
        {
            result[n] = at(idx);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return result;
    }

    private static OnnxNodeResult Gather(OnnxNodeContext c)
    {
        var data = c.In(0);
        var indices = c.In(1);
        int axis = c.Axis(c.Int("axis", 0), data.Shape.Length);
        long[] y = [.. data.Shape.Take(axis), .. indices.Shape, .. data.Shape.Skip(axis + 1)];
        double[]? values = null;
        if (data.Values is not null && indices.Values is not null)
        {
            var strides = Strides(data.Shape);
            int ir = indices.Shape.Length;
            var istrides = Strides(indices.Shape);
            long dim = data.Shape[axis];
            values = Gather(y, idx =>
            {
                long ioff = 0;
                for (int d = 0; d < ir; d++) ioff += idx[axis + d] * istrides[d];
                long index = OnnxValue.ToLong(indices.Values[ioff]);
                if (index < 0) index += dim;
                if (index < 0 || index >= dim) throw c.Fail($"index {index} is out of range for axis of size {dim}");
                long off = index * strides[axis];
                for (int d = 0; d < axis; d++) off += idx[d] * strides[d];
                for (int d = axis + 1; d < data.Shape.Length; d++) off += idx[d + ir - 1] * strides[d];
                return data.Values[off];
            });
        }
        // Gathering rows of a parameter is an embedding lookup (vector unit); of an activation, a data selection.
        OnnxLowering lowering = data.IsConstant
            ? new VectorLowering(VectorKind.Gather, VectorOpCounts.Simple)
            : new ShapeLowering(ShapeKind.Slice) { DataInputs = indices.IsConstant ? [0] : null };
        return One(OnnxValue.Activation(y, data.ElemType), lowering, values);
    }

    private static OnnxNodeResult Resize(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        int rank = x.Length;
        // Input positions: Upsample-9 and Resize-10 take scales second; Resize-11+ takes roi, scales, sizes.
        bool newStyle = c.OpType == "Resize" && c.Opset >= 11;
        int scalesAt = newStyle ? 2 : 1;
        int sizesAt = newStyle ? 3 : -1;
        var axes = c.Ints("axes")?.Select(a => c.Axis(a, rank)).ToArray() ?? [.. Enumerable.Range(0, rank)];
        var y = (long[])x.Clone();
        if (sizesAt > 0 && c.Has(sizesAt) && c.In(sizesAt).Elements > 0)
        {
            var sizes = c.IntsOf(sizesAt);
            if (sizes.Length != axes.Length) throw c.Fail($"sizes {OnnxNodeContext.Show(sizes)} do not match {axes.Length} axes");
            string policy = c.Str("keep_aspect_ratio_policy", "stretch");
            if (policy == "stretch")
                for (int i = 0; i < axes.Length; i++) y[axes[i]] = sizes[i];
            else
            {
                var ratios = axes.Select((a, i) => (double)sizes[i] / x[a]);
                double scale = policy == "not_larger" ? ratios.Min() : ratios.Max();
                foreach (var a in axes) y[a] = (long)Math.Round(scale * x[a], MidpointRounding.AwayFromZero);
            }
        }
        else
        {
            double[] scales = c.OpType == "Upsample" && c.Opset < 9
                ? [.. (c.Floats("scales") ?? throw c.Fail("scales are required")).Select(f => (double)f)]
                : c.Has(scalesAt) ? c.RealsOf(scalesAt) : throw c.Fail("neither scales nor sizes are given");
            if (scales.Length != axes.Length) throw c.Fail($"{scales.Length} scales do not match {axes.Length} axes");
            for (int i = 0; i < axes.Length; i++) y[axes[i]] = (long)Math.Floor(x[axes[i]] * scales[i]);
        }
        return One(OnnxValue.Activation(y, c.In(0).ElemType), new ShapeLowering(ShapeKind.Resize) { DataInputs = [0] });
    }

    private static OnnxNodeResult Pad(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        int rank = x.Length;
        var pads = c.Opset < 11 ? c.Ints("pads") ?? c.Ints("paddings") ?? throw c.Fail("pads are required") : c.IntsOf(1);
        var axes = c.Has(3) ? c.IntsOf(3).Select(a => c.Axis(a, rank)).ToArray() : [.. Enumerable.Range(0, rank)];
        if (pads.Length != 2 * axes.Length) throw c.Fail($"pads {OnnxNodeContext.Show(pads)} do not match {axes.Length} axes");
        var y = (long[])x.Clone();
        for (int i = 0; i < axes.Length; i++) y[axes[i]] += pads[i] + pads[i + axes.Length];
        if (y.Any(d => d < 0)) throw c.Fail($"pads {OnnxNodeContext.Show(pads)} remove more than {OnnxNodeContext.Show(x)} holds");
        return One(OnnxValue.Activation(y, c.In(0).ElemType), new ShapeLowering(ShapeKind.Pad) { DataInputs = [0] });
    }

    private static OnnxNodeResult Dropout(OnnxNodeContext c)
    {
        var x = c.In(0);
        var outputs = new List<OnnxValue?> { x with { IsConstant = false } };
        if (c.Node.Outputs.Length > 1) outputs.Add(OnnxValue.Activation(x.Shape, OnnxDataType.Bool));   // mask
        return new(outputs, new ShapeLowering(ShapeKind.Identity) { DataInputs = [0] });
    }

    private static OnnxNodeResult Constant(OnnxNodeContext c)
    {
        if (c.Attr("value") is { T: { } t })
            return One(OnnxValue.Constant([.. t.Dims], t.DataType, OnnxValue.Decode(t)), FoldLowering.Instance);
        if (c.Attr("value_float") is { } f) return One(OnnxValue.Constant([], OnnxDataType.Float, [f.F]), FoldLowering.Instance);
        if (c.Attr("value_int") is { } i) return One(OnnxValue.Constant([], OnnxDataType.Int64, [i.I]), FoldLowering.Instance);
        if (c.Attr("value_floats") is { } fs)
            return One(OnnxValue.Constant([fs.Floats.Length], OnnxDataType.Float, [.. fs.Floats.Select(v => (double)v)]), FoldLowering.Instance);
        if (c.Attr("value_ints") is { } ins)
            return One(OnnxValue.Constant([ins.Ints.Length], OnnxDataType.Int64, [.. ins.Ints.Select(v => (double)v)]), FoldLowering.Instance);
        throw c.Fail("only tensor, float and int constants are supported");
    }

    private static OnnxNodeResult Cast(OnnxNodeContext c, int to)
    {
        var x = c.In(0);
        return One(OnnxValue.Activation(x.Shape, to), new VectorLowering(VectorKind.Elementwise, VectorOpCounts.Simple) { DataInputs = [0] },
            Integral(x.Values, to));
    }

    private static OnnxNodeResult Shape(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        long rank = x.Length;
        long start = c.Int("start", 0), end = c.Int("end", rank);
        start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        double[] values = [.. x[(int)start..(int)Math.Max(start, end)].Select(d => (double)d)];
        return One(OnnxValue.Constant([values.Length], OnnxDataType.Int64, values), FoldLowering.Instance);
    }

    private static OnnxNodeResult ConstantOfShape(OnnxNodeContext c)
    {
        var shape = c.IntsOf(0);
        if (shape.Any(d => d < 0)) throw c.Fail($"shape {OnnxNodeContext.Show(shape)} has a negative size");
        var t = c.Attr("value")?.T;
        double fill = t is null ? 0 : OnnxValue.Decode(t) is [var v] ? v : 0;
        long count = Product(shape);
        double[]? values = count <= OnnxValue.MaxFoldedElements ? [.. Enumerable.Repeat(fill, (int)count)] : null;
        return One(OnnxValue.Constant(shape, t?.DataType ?? OnnxDataType.Float, values), FoldLowering.Instance);
    }

    private static OnnxNodeResult Expand(OnnxNodeContext c)
    {
        var x = c.In(0);
        var target = c.IntsOf(1);
        var y = Broadcast([x.Shape, target])
            ?? throw c.Fail($"{OnnxNodeContext.Show(x.Shape)} does not broadcast to {OnnxNodeContext.Show(target)}");
        // Expand and Tile replicate data to a larger shape, like an upsampling resize.
        return One(OnnxValue.Activation(y, x.ElemType), new ShapeLowering(ShapeKind.Resize) { DataInputs = [0] },
            BroadcastValues(y, [x], v => v[0]));
    }

    private static OnnxNodeResult Tile(OnnxNodeContext c)
    {
        var x = c.In(0);
        var repeats = c.IntsOf(1);
        if (repeats.Length != x.Shape.Length) throw c.Fail($"repeats {OnnxNodeContext.Show(repeats)} do not match {OnnxNodeContext.Show(x.Shape)}");
        long[] y = [.. x.Shape.Select((d, i) => d * repeats[i])];
        double[]? values = null;
        if (x.Values is not null)
        {
            var strides = Strides(x.Shape);
            values = Gather(y, idx =>
            {
                long off = 0;
                for (int d = 0; d < idx.Length; d++) off += idx[d] % x.Shape[d] * strides[d];
                return x.Values[off];
            });
        }
        return One(OnnxValue.Activation(y, x.ElemType), new ShapeLowering(ShapeKind.Resize) { DataInputs = [0] }, values);
    }

    private static OnnxNodeResult Range(OnnxNodeContext c)
    {
        double start = c.RealsOf(0)[0], limit = c.RealsOf(1)[0], delta = c.RealsOf(2)[0];
        if (delta == 0) throw c.Fail("delta is 0");
        long n = Math.Max(0, (long)Math.Ceiling((limit - start) / delta));
        double[]? values = n <= OnnxValue.MaxFoldedElements ? [.. Enumerable.Range(0, (int)n).Select(i => start + i * delta)] : null;
        return One(OnnxValue.Constant([n], c.In(0).ElemType, values), FoldLowering.Instance);
    }

    private static OnnxNodeResult DepthSpace(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        long b = c.Int("blocksize", 1);
        if (x.Length != 4 || b <= 0) throw c.Fail($"needs a 4-D input and a positive blocksize, got {OnnxNodeContext.Show(x)}");
        long[] y = c.OpType == "DepthToSpace"
            ? [x[0], x[1] / (b * b), x[2] * b, x[3] * b]
            : [x[0], x[1] * b * b, x[2] / b, x[3] / b];
        if (c.OpType == "DepthToSpace" ? x[1] % (b * b) != 0 : x[2] % b != 0 || x[3] % b != 0)
            throw c.Fail($"{OnnxNodeContext.Show(x)} does not divide by blocksize {b}");
        return One(OnnxValue.Activation(y, c.In(0).ElemType), new ShapeLowering(ShapeKind.Transpose));
    }

    private static OnnxNodeResult GatherNd(OnnxNodeContext c)
    {
        var data = c.Shape(0);
        var indices = c.Shape(1);
        long batchDims = c.Int("batch_dims", 0);
        if (indices.Length == 0) throw c.Fail("indices must have rank ≥ 1");
        long last = indices[^1];
        if (batchDims < 0 || batchDims + last > data.Length)
            throw c.Fail($"indices {OnnxNodeContext.Show(indices)} index too many axes of {OnnxNodeContext.Show(data)}");
        long[] y = [.. indices[..^1], .. data.Skip((int)(batchDims + last))];
        return One(OnnxValue.Activation(y, c.In(0).ElemType), new ShapeLowering(ShapeKind.Slice));
    }

    private static OnnxNodeResult MaxUnpool(OnnxNodeContext c)
    {
        var x = c.Shape(0);
        int spatial = x.Length - 2;
        if (spatial < 1) throw c.Fail($"input {OnnxNodeContext.Show(x)} has no spatial axes");
        long[] y;
        if (c.Has(2)) y = c.IntsOf(2);
        else
        {
            var (kernel, strides, _, pads) = Window(c, spatial, null);
            // The inverse of a pooling window: (in − 1)·stride + kernel − pads.
            y = [x[0], x[1], .. Enumerable.Range(0, spatial).Select(i => (x[i + 2] - 1) * strides[i] + kernel[i] - pads[i] - pads[i + spatial])];
        }
        return One(OnnxValue.Activation(y, c.In(0).ElemType), new ShapeLowering(ShapeKind.Pad) { DataInputs = [0, 1] });
    }

    private static OnnxNodeResult OneHot(OnnxNodeContext c)
    {
        var indices = c.Shape(0);
        long depth = OnnxValue.ToLong(c.RealsOf(1)[0]);
        if (depth <= 0) throw c.Fail($"depth {depth} must be positive");
        int axis = c.Axis(c.Int("axis", -1), indices.Length + 1);
        long[] y = [.. indices.Take(axis), depth, .. indices.Skip(axis)];
        // Writing one of two values per output element, like a lookup.
        return One(OnnxValue.Activation(y, c.In(2).ElemType), new VectorLowering(VectorKind.Gather, VectorOpCounts.Simple) { DataInputs = [0, 2] });
    }
}
