using System.Collections.Immutable;

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
        foreach (var split in tiling.Splits)
        {
            var d = names.IndexOf(split.Dimension);
            if (d < 0) continue;
            cuts[d] = split.Ranges(sizes[d], cores);
        }
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
        private readonly List<(LoopOperand Operand, int[]? AxisOf)> _operands = [];

        public Context(ModelGraph model, Operator op)
        {
            _model = model;
            _op = op;
            if (op is ComputeOperator c)
                foreach (var operand in c.Nest.Operands)
                    _operands.Add((operand, AlignAxes(operand, c.Nest, model.Tensors[operand.Tensor].Shape)));
        }

        public Tile Tile(int id, int index, ImmutableArray<DimensionRange> ranges) => _op switch
        {
            ComputeOperator c => ComputeTile(c, id, index, ranges),
            VectorOperator v => ElementTile(id, index, ranges, TileKind.Vector, v.OpsPerElement),
            _ => ElementTile(id, index, ranges, TileKind.Shape, 0),
        };

        private Tile ComputeTile(ComputeOperator c, int id, int index, ImmutableArray<DimensionRange> ranges)
        {
            var reads = ImmutableArray.CreateBuilder<TensorBox>();
            var writes = ImmutableArray.CreateBuilder<TensorBox>();
            var covered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (operand, axisOf) in _operands)
            {
                var box = OperandBox(operand, axisOf, ranges);
                covered.Add(operand.Tensor);
                if (box.IsEmpty) continue;
                (operand.Role == OperandRole.Output ? writes : reads).Add(box);
            }
            // Inputs outside the nest (a bias) are read whole by every tile.
            foreach (var t in c.Inputs.Distinct())
                if (covered.Add(t)) reads.Add(Whole(t));
            return new Tile(id, c, index, TileKind.Compute, ranges, 0, reads.ToImmutable(), writes.ToImmutable());
        }

        private Tile ElementTile(int id, int index, ImmutableArray<DimensionRange> ranges, TileKind kind, double opsPerElement)
        {
            var outShape = _model.Tensors[_op.Outputs[0]].Shape;
            var axes = ranges.Select(r => r.Range).ToImmutableArray();
            var writes = _op.Outputs.Select(o => _model.Tensors[o].Shape.SequenceEqual(outShape)
                ? new TensorBox(o, axes, _model.Tensors[o].Bits) : Whole(o)).ToImmutableArray();
            var reads = _op.Inputs.Distinct().Select(i => InputBox(i, outShape, axes)).Where(b => !b.IsEmpty).ToImmutableArray();
            long elements = axes.Aggregate(1L, (n, a) => n * a.Length);
            return new Tile(id, _op, index, kind, ranges, elements * opsPerElement, reads, writes);
        }

        /// <summary>Same shape: the tile's own box; broadcast (size-1 axes, aligned from the right): those axes whole; else the whole tensor.</summary>
        private TensorBox InputBox(string tensor, ImmutableArray<long> outShape, ImmutableArray<IndexRange> axes)
        {
            var t = _model.Tensors[tensor];
            if (t.Shape.Length > outShape.Length) return Whole(tensor);
            int offset = outShape.Length - t.Shape.Length;
            var box = new IndexRange[t.Shape.Length];
            for (int i = 0; i < box.Length; i++)
            {
                if (t.Shape[i] == outShape[i + offset]) box[i] = axes[i + offset];
                else if (t.Shape[i] == 1) box[i] = new IndexRange(0, 1);
                else return Whole(tensor);
            }
            return new TensorBox(tensor, [.. box], t.Bits);
        }

        private TensorBox Whole(string tensor)
        {
            var t = _model.Tensors[tensor];
            return new TensorBox(tensor, [.. t.Shape.Select(s => new IndexRange(0, s))], t.Bits);
        }

        private TensorBox OperandBox(LoopOperand operand, int[]? axisOf, ImmutableArray<DimensionRange> ranges)
        {
            if (axisOf is null) return Whole(operand.Tensor);
            var t = _model.Tensors[operand.Tensor];
            var box = t.Shape.Select(_ => new IndexRange(0, 1)).ToArray();
            for (int a = 0; a < operand.Axes.Length; a++)
            {
                if (axisOf[a] < 0) continue;
                var axis = operand.Axes[a];
                long lo = -axis.Padding, hi = -axis.Padding;
                foreach (var term in axis.Terms)
                {
                    var r = Find(ranges, term.Dimension);
                    lo += term.Coefficient * r.Start;
                    hi += term.Coefficient * (r.End - 1);
                }
                long size = t.Shape[axisOf[a]];
                box[axisOf[a]] = new IndexRange(Math.Clamp(lo, 0, size), Math.Clamp(hi + 1, 0, size));
            }
            return new TensorBox(operand.Tensor, [.. box], t.Bits);
        }

        private static IndexRange Find(ImmutableArray<DimensionRange> ranges, string dimension)
        {
            foreach (var r in ranges)
                if (r.Dimension == dimension) return r.Range;
            throw new InvalidOperationException($"no range for dimension {dimension}");
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
