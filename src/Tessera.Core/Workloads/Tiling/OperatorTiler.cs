using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Workloads.Tiling;

/// <summary>
/// Splits one operator into tiles and computes the tensor boxes each tile reads and writes.
/// </summary>
/// <remarks>
/// A compute operator is cut along its loop dimensions; an operand axis Σ coefficient·dimension − padding
/// over dimension ranges [s, e) touches [Σ c·s − p, Σ c·(e − 1) − p + 1), clipped to the tensor (so a 3×3,
/// stride-1, padding-1 convolution's output rows [a, b) read input rows [a − 1, b + 1) ∩ [0, H)).
/// Vector and shape operators are cut along the axes of their first output, named like a loop nest
/// (see <see cref="AxisNames"/>); an input of the output's shape is read through the same box, a
/// broadcast input through the broadcast axes, anything else whole.
/// </remarks>
public static class OperatorTiler
{
    /// <summary>
    /// Names for the axes of a vector or shape operator's output: [B K OY OX] for 4-D (NCHW), [B D K] for 3-D
    /// ([batch, tokens, features]), [D K] for 2-D, [K] for 1-D, A0… otherwise. Tilings use these names.
    /// </summary>
    public static ImmutableArray<string> AxisNames(int rank) => rank switch
    {
        4 => ["B", "K", "OY", "OX"],
        3 => ["B", "D", "K"],
        2 => ["D", "K"],
        1 => ["K"],
        _ => [.. Enumerable.Range(0, rank).Select(i => $"A{i}")],
    };

    /// <summary>The tiles of one operator, numbered from <paramref name="firstId"/>.</summary>
    /// <param name="cores">Core count that resolves <see cref="SplitKind.PerCore"/> cuts.</param>
    /// <remarks>Cuts on dimensions the operator lacks are ignored, so one tiling can serve a whole model.</remarks>
    public static ImmutableArray<Tile> Split(ModelGraph model, Operator op, TilingSpec tiling, int firstId = 0, int cores = 1)
    {
        var (names, sizes) = Dimensions(model, op);
        // Per dimension, the ranges it is cut into (uncut dimensions have one range).
        var cuts = names.Select((_, i) => ImmutableArray.Create(new IndexRange(0, sizes[i]))).ToArray();
        // Outputs of different shapes (Split) have no common axes to cut: such an operator stays whole.
        bool cuttable = op is ComputeOperator || op.Outputs.All(o => model.Tensors[o].Shape.SequenceEqual(model.Tensors[op.Outputs[0]].Shape));
        foreach (var split in tiling.Splits)
        {
            var d = names.IndexOf(split.Dimension);
            if (d < 0 || !cuttable) continue;
            // A dimension cut twice (intra-core, then across cores) is cut again inside each of its ranges.
            cuts[d] = [.. cuts[d].SelectMany(r => split.Ranges(r.Length, cores)
                .Select(inner => new IndexRange(r.Start + inner.Start, r.Start + inner.End)))];
        }
        Limits.Check(null, $"operator '{op.Name}' cut into tiles", cuts.Aggregate(1.0, (n, c) => n * c.Length), Limits.Current.TilesPerOperator, "tiles-per-operator");
        var context = new Context(model, op);
        var tiles = ImmutableArray.CreateBuilder<Tile>(cuts.Aggregate(1, (n, c) => n * c.Length));
        var choice = new int[cuts.Length];
        // Odometer over the cuts in the order the tiling names them, so the first cut is outermost.
        var order = tiling.Splits.Select(s => names.IndexOf(s.Dimension)).Where(i => i >= 0).Distinct().Reverse()
            .Concat(Enumerable.Range(0, names.Length)).Distinct().ToArray();
        while (true)
        {
            var ranges = names.Select((n, i) => new DimensionRange(n, cuts[i][choice[i]])).ToImmutableArray();
            tiles.Add(context.Tile(firstId + tiles.Count, tiles.Count, ranges));
            int k = 0;
            while (k < order.Length && ++choice[order[k]] == cuts[order[k]].Length)
                choice[order[k++]] = 0;
            if (k == order.Length) break;
        }
        return tiles.MoveToImmutable();
    }

    /// <summary>The dimensions a tiling can cut: loop dimensions, or the output's named axes.</summary>
    public static (ImmutableArray<string> Names, ImmutableArray<long> Sizes) Dimensions(ModelGraph model, Operator op)
    {
        if (op is ComputeOperator c)
            return ([.. c.Nest.Dimensions.Select(d => d.Name)], [.. c.Nest.Dimensions.Select(d => d.Size)]);
        var shape = model.Tensors[op.Outputs[0]].Shape;
        return (AxisNames(shape.Length), shape);
    }

    /// <summary>What every tile of one operator shares: tensor shapes and how operand axes land on tensor axes.</summary>
    private sealed class Context
    {
        private readonly ModelGraph _model;
        private readonly Operator _op;
        private readonly List<OperandPlan> _operands = [];
        private readonly List<TensorBox> _wholeReads = [];
        private readonly List<(string Tensor, int Bits, int[]? FromOutputAxis)> _inputs = [];
        private readonly List<(string Tensor, int Bits, bool SameShape)> _outputs = [];
        private readonly Dictionary<string, TensorBox> _whole = new(StringComparer.Ordinal);

        /// <summary>An operand with its terms as (dimension index, coefficient) so tiles need no name lookups.</summary>
        private sealed record OperandPlan(LoopOperand Operand, int Bits, long[] Shape, int[]? AxisOf, (int Dim, long Coefficient)[][] Terms);

        public Context(ModelGraph model, Operator op)
        {
            _model = model;
            _op = op;
            if (op is ComputeOperator c)
            {
                var index = c.Nest.Dimensions.Select((d, i) => (d.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
                foreach (var operand in c.Nest.Operands)
                {
                    var t = model.Tensors[operand.Tensor];
                    _operands.Add(new OperandPlan(operand, t.Bits, [.. t.Shape], AlignAxes(operand, c.Nest, t.Shape),
                        [.. operand.Axes.Select(a => a.Terms.Select(term => (index[term.Dimension], term.Coefficient)).ToArray())]));
                }
                // Inputs outside the nest (a bias) are read whole by every tile.
                foreach (var i in c.Inputs.Distinct().Where(i => !c.Nest.Operands.Any(o => o.Tensor == i)))
                    _wholeReads.Add(Whole(i));
                return;
            }
            var outShape = model.Tensors[op.Outputs[0]].Shape;
            foreach (var o in op.Outputs)
                _outputs.Add((o, model.Tensors[o].Bits, model.Tensors[o].Shape.SequenceEqual(outShape)));
            foreach (var i in op.Inputs.Distinct())
                _inputs.Add((i, model.Tensors[i].Bits, Broadcast(model.Tensors[i].Shape, outShape) ?? UnitAxes(model.Tensors[i].Shape, outShape)));
            if (op is ShapeOperator { Kind: ShapeKind.Concat })
                _concat = ConcatOffsets(model, op, outShape);
            // A pooling window maps output rows and columns to input ones; the other axes follow 1:1.
            if (op is VectorOperator { Window: { } w } && op.Inputs.Length > 0 && model.Tensors[op.Inputs[0]].Shape is var inShape
                && inShape.Length == outShape.Length && inShape.Length >= 3)
            {
                _window = w;
                _inputs[0] = (op.Inputs[0], model.Tensors[op.Inputs[0]].Bits, [.. Enumerable.Range(0, inShape.Length)]);
                _windowInput = [.. inShape];
            }
        }

        private readonly SlidingWindow? _window;
        private readonly (int Axis, long[] Offsets)? _concat;
        private readonly long[] _windowInput = [];

        public Tile Tile(int id, int index, ImmutableArray<DimensionRange> ranges) => _op switch
        {
            ComputeOperator c => ComputeTile(c, id, index, ranges),
            VectorOperator v => ElementTile(id, index, ranges, TileKind.Vector, v.OpsPerElement),
            _ => ElementTile(id, index, ranges, TileKind.Shape, 0),
        };

        private Tile ComputeTile(ComputeOperator c, int id, int index, ImmutableArray<DimensionRange> ranges)
        {
            var reads = ImmutableArray.CreateBuilder<TensorBox>(_operands.Count + _wholeReads.Count);
            var writes = ImmutableArray.CreateBuilder<TensorBox>(1);
            foreach (var plan in _operands)
            {
                var box = OperandBox(plan, ranges);
                if (box.IsEmpty) continue;
                (plan.Operand.Role == OperandRole.Output ? writes : reads).Add(box);
            }
            reads.AddRange(_wholeReads);
            return new Tile(id, c, index, TileKind.Compute, ranges, 0, reads.ToImmutable(), writes.ToImmutable());
        }

        private Tile ElementTile(int id, int index, ImmutableArray<DimensionRange> ranges, TileKind kind, double opsPerElement)
        {
            var axes = ImmutableArray.CreateRange(ranges, r => r.Range);
            var writes = ImmutableArray.CreateBuilder<TensorBox>(_outputs.Count);
            foreach (var (tensor, bits, same) in _outputs)
                writes.Add(same ? new TensorBox(tensor, axes, bits) : Whole(tensor));
            var reads = ImmutableArray.CreateBuilder<TensorBox>(_inputs.Count);
            for (int i = 0; i < _inputs.Count; i++)
            {
                var (tensor, bits, from) = _inputs[i];
                var box = _concat is var (axis, offsets) ? Slice(tensor, bits, axes, axis, offsets[i])
                    : from is null ? Whole(tensor)
                    : i == 0 && _window is { } w ? new TensorBox(tensor, Windowed(axes, w), bits)
                    : new TensorBox(tensor, [.. from.Select(a => a < 0 ? new IndexRange(0, 1) : axes[a])], bits);
                if (!box.IsEmpty) reads.Add(box);
            }
            long elements = 1;
            foreach (var a in axes) elements *= a.Length;
            return new Tile(id, _op, index, kind, ranges, elements * opsPerElement, reads.ToImmutable(), writes.ToImmutable());
        }

        /// <summary>The part of a concat input that a tile's output box covers, shifted to the input's own indices.</summary>
        private TensorBox Slice(string tensor, int bits, ImmutableArray<IndexRange> axes, int axis, long offset)
        {
            var box = axes.ToArray();
            var size = _model.Tensors[tensor].Shape[axis];
            var part = axes[axis].Intersect(new IndexRange(offset, offset + size));
            box[axis] = part.IsEmpty ? new IndexRange(0, 0) : new IndexRange(part.Start - offset, part.End - offset);
            return new TensorBox(tensor, [.. box], bits);
        }

        /// <summary>The concat axis (the one whose sizes add up) and each input's offset along it; null when ambiguous.</summary>
        private static (int Axis, long[] Offsets)? ConcatOffsets(ModelGraph model, Operator op, ImmutableArray<long> outShape)
        {
            var shapes = op.Inputs.Select(i => model.Tensors[i].Shape).ToList();
            if (op.Inputs.Distinct().Count() != op.Inputs.Length || shapes.Any(sh => sh.Length != outShape.Length)) return null;
            for (int axis = 0; axis < outShape.Length; axis++)
            {
                int a = axis;
                bool othersMatch = shapes.All(sh => Enumerable.Range(0, sh.Length).All(k => k == a || sh[k] == outShape[k]));
                if (!othersMatch || shapes.Sum(sh => sh[a]) != outShape[a]) continue;
                var offsets = new long[shapes.Count];
                for (int k = 1; k < offsets.Length; k++) offsets[k] = offsets[k - 1] + shapes[k - 1][a];
                return (a, offsets);
            }
            return null;
        }

        /// <summary>
        /// A reshape that only adds or drops size-1 axes ([1,512,1,1] → [1,512]) maps the remaining axes 1:1;
        /// −1 marks an input axis of size 1. Null for any other shape change.
        /// </summary>
        private static int[]? UnitAxes(ImmutableArray<long> shape, ImmutableArray<long> outShape)
        {
            var outAxes = Enumerable.Range(0, outShape.Length).Where(k => outShape[k] != 1).ToList();
            var inAxes = Enumerable.Range(0, shape.Length).Where(k => shape[k] != 1).ToList();
            if (outAxes.Count != inAxes.Count || inAxes.Where((k, j) => shape[k] != outShape[outAxes[j]]).Any()) return null;
            var from = Enumerable.Repeat(-1, shape.Length).ToArray();
            for (int j = 0; j < inAxes.Count; j++) from[inAxes[j]] = outAxes[j];
            return from;
        }

        /// <summary>Input box of a pooling tile: its output rows/columns widened to their windows, clipped.</summary>
        private ImmutableArray<IndexRange> Windowed(ImmutableArray<IndexRange> axes, SlidingWindow w)
        {
            var box = axes.ToArray();
            int x = box.Length - 1;
            box[x] = Window(axes[x], w.KernelX, w.StrideX, w.PaddingX, w.DilationX, _windowInput[x]);
            if (box.Length == 4)
                box[2] = Window(axes[2], w.KernelY, w.StrideY, w.PaddingY, w.DilationY, _windowInput[2]);
            return [.. box];

            static IndexRange Window(IndexRange o, long kernel, long stride, long padding, long dilation, long size) =>
                new(Math.Clamp(o.Start * stride - padding, 0, size),
                    Math.Clamp((o.End - 1) * stride - padding + (kernel - 1) * dilation + 1, 0, size));
        }

        /// <summary>
        /// For each input axis, the output axis it follows (−1: broadcast size-1 axis), aligned from the right;
        /// null when the input is read whole (its shape neither equals nor broadcasts to the output's).
        /// </summary>
        private static int[]? Broadcast(ImmutableArray<long> shape, ImmutableArray<long> outShape)
        {
            if (shape.Length > outShape.Length) return null;
            int offset = outShape.Length - shape.Length;
            var from = new int[shape.Length];
            for (int i = 0; i < from.Length; i++)
            {
                if (shape[i] == outShape[i + offset]) from[i] = i + offset;
                else if (shape[i] == 1) from[i] = -1;
                else return null;
            }
            return from;
        }

        private TensorBox Whole(string tensor)
        {
            if (_whole.TryGetValue(tensor, out var box)) return box;
            var t = _model.Tensors[tensor];
            return _whole[tensor] = new TensorBox(tensor, [.. t.Shape.Select(s => new IndexRange(0, s))], t.Bits);
        }

        private TensorBox OperandBox(OperandPlan plan, ImmutableArray<DimensionRange> ranges)
        {
            if (plan.AxisOf is null) return Whole(plan.Operand.Tensor);
            var box = new IndexRange[plan.Shape.Length];
            Array.Fill(box, new IndexRange(0, 1));
            for (int a = 0; a < plan.Terms.Length; a++)
            {
                int axis = plan.AxisOf[a];
                if (axis < 0) continue;
                long lo = -plan.Operand.Axes[a].Padding, hi = lo;
                foreach (var (dim, coefficient) in plan.Terms[a])
                {
                    var r = ranges[dim].Range;
                    lo += coefficient * r.Start;
                    hi += coefficient * (r.End - 1);
                }
                long size = plan.Shape[axis];
                box[axis] = new IndexRange(Math.Clamp(lo, 0, size), Math.Clamp(hi + 1, 0, size));
            }
            return new TensorBox(plan.Operand.Tensor, [.. box], plan.Bits);
        }

        /// <summary>
        /// Tensor axis of each operand axis (−1: an operand axis of extent 1 with no tensor axis), or null when the
        /// operand does not line up with the tensor (e.g. a GEMM over flattened batch × tokens): then tiles read it whole.
        /// </summary>
        private static int[]? AlignAxes(LoopOperand operand, LoopNest nest, ImmutableArray<long> shape)
        {
            var result = new int[operand.Axes.Length];
            if (operand.Axes.Length == shape.Length)
            {
                for (int i = 0; i < result.Length; i++) result[i] = i;
                return Consistent(result) ? result : null;
            }
            // Drop unit axes on both sides (a 1-D convolution is a 2-D one of height 1; a GEMM has B = 1).
            var tensorAxes = Enumerable.Range(0, shape.Length).Where(i => shape[i] != 1).ToList();
            var operandAxes = Enumerable.Range(0, operand.Axes.Length).Where(i => operand.Axes[i].Extent(nest.Sizes) != 1).ToList();
            if (tensorAxes.Count != operandAxes.Count) return null;
            Array.Fill(result, -1);
            for (int i = 0; i < operandAxes.Count; i++) result[operandAxes[i]] = tensorAxes[i];
            return Consistent(result) ? result : null;

            // A plain axis (one dimension, coefficient 1, no padding) must span its tensor axis exactly.
            bool Consistent(int[] axisOf)
            {
                for (int i = 0; i < axisOf.Length; i++)
                {
                    var axis = operand.Axes[i];
                    if (axisOf[i] >= 0 && axis.Padding == 0 && axis.Terms is [{ Coefficient: 1 }]
                        && axis.Extent(nest.Sizes) != shape[axisOf[i]])
                        return false;
                }
                return true;
            }
        }
    }
}
