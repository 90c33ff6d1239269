using Tessera.Workloads;
using Tessera.Workloads.Onnx;
using Tessera.Workloads.Tiling;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Tiling;

public class TilingTests
{
    /// <summary>input [1,8,16,16] → conv a (3×3, pad 1, 16 ch) → relu → conv b (3×3, pad 1, 16 ch), 8-bit.</summary>
    private static ModelGraph ConvChain(long kernel = 3, long padding = 1, long stride = 1)
    {
        var g = new GraphBuilder("chain");
        var x = g.Input("x", 1, 8, 16, 16);
        var a = g.Conv(x, 16, kernel, stride, padding, nodeName: "a");
        var r = g.Vector(VectorKind.Activation, "Relu", 1, "relu", a);
        g.Conv(r, 16, kernel, 1, padding, nodeName: "b");
        return g.Build();
    }

    private static void AssertCoversExactlyOnce(ModelGraph model, TiledWorkload tiled)
    {
        foreach (var op in model.Operators)
        {
            var tiles = tiled.TilesOf(op.Name);
            Assert.NotEmpty(tiles);
            var (names, sizes) = OperatorTiler.Dimensions(model, op);
            // Volumes add up to the iteration space and no two tiles share a point, so the cover is exact.
            long volume = sizes.Aggregate(1L, (p, s) => p * s);
            Assert.Equal(volume, tiles.Sum(t => t.Ranges.Aggregate(1L, (p, r) => p * r.Range.Length)));
            for (int i = 0; i < tiles.Length; i++)
                for (int j = i + 1; j < Math.Min(tiles.Length, i + 64); j++)
                    Assert.False(tiles[i].Ranges.Zip(tiles[j].Ranges).All(p => p.First.Range.Overlaps(p.Second.Range)),
                        $"{tiles[i]} and {tiles[j]} overlap");
            if (op is ComputeOperator c)
                Assert.Equal(c.Nest.Macs, tiles.Sum(t => t.Macs));
            Assert.Equal(names.Length, tiles[0].Ranges.Length);
        }
    }

    [Fact]
    public void Row_tiles_cover_every_operator_exactly_once()
    {
        var model = ConvChain();
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("OY, all"));
        AssertCoversExactlyOnce(model, tiled);
        Assert.Equal(3 * 16, tiled.Tiles.Length);
        Assert.Equal([.. Enumerable.Range(0, tiled.Tiles.Length)], tiled.Tiles.Select(t => t.Id));
    }

    [Fact]
    public void Three_by_three_row_tiles_depend_on_three_producer_rows()
    {
        var model = ConvChain();
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("OY, all"));
        var relu = tiled.TilesOf("relu");
        var into = tiled.Predecessors();
        foreach (var tile in tiled.TilesOf("b"))
        {
            long row = tile.RangeOf("OY")!.Value.Start;
            var deps = into[tile.Id];
            var expected = Enumerable.Range((int)row - 1, 3).Where(r => r is >= 0 and < 16).ToList();
            // One dependency per producer row in the 3-row window (2 at the padded edges), each one row: 16 ch × 16 cols × 1 B.
            Assert.Equal(expected.Select(r => relu[r].Id), deps.Select(d => d.From));
            Assert.All(deps, d => Assert.Equal(16 * 16, d.Bytes));
            // Its input rows are exactly those rows.
            var read = tile.Reads.Single(b => b.Tensor == "relu.out");
            Assert.Equal(new IndexRange(expected[0], expected[^1] + 1), read.Axes[2]);
        }
        // Activation tiles follow their producer 1:1: one dependency of one whole row.
        foreach (var tile in relu)
        {
            var d = Assert.Single(into[tile.Id]);
            Assert.Equal(tiled.TilesOf("a")[tile.Index].Id, d.From);
            Assert.Equal(16 * 16, d.Bytes);
        }
    }

    [Fact]
    public void Consumer_input_ranges_cover_the_producer_output_and_every_byte_is_consumed()
    {
        var model = ConvChain();
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("OY, 4"));
        var rows = tiled.TilesOf("b").Select(t => t.Reads.Single(b => b.Tensor == "relu.out").Axes[2]).ToList();
        // Union of the consumer's input rows = the producer's 16 output rows (the padding row is clipped away).
        Assert.Equal(0, rows.Min(r => r.Start));
        Assert.Equal(16, rows.Max(r => r.End));
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.Second.Start <= p.First.End));
        // 4-row tiles with a 3×3 window: the interior tiles read one halo row on each side.
        Assert.Equal([new(0, 5), new(3, 9), new(7, 13), new(11, 16)], rows);
        long tensorBytes = model.Tensors["relu.out"].Bytes;
        long intoB = tiled.Dependencies.Where(d => d.Tensor == "relu.out").Sum(d => d.Bytes);
        Assert.True(intoB >= tensorBytes);
        Assert.Equal((5 + 6 + 6 + 5) * 16 * 16, intoB);
    }

    [Fact]
    public void Pointwise_convolutions_move_each_intermediate_byte_exactly_once()
    {
        var model = ConvChain(kernel: 1, padding: 0);
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("OY, all"));
        foreach (var tensor in new[] { "a.out", "relu.out" })
            Assert.Equal(model.Tensors[tensor].Bytes, tiled.Dependencies.Where(d => d.Tensor == tensor).Sum(d => d.Bytes));
        // Only overlapping tiles are connected: the same row.
        foreach (var d in tiled.Dependencies)
            Assert.Equal(tiled.Tiles[d.From].RangeOf("OY"), tiled.Tiles[d.To].RangeOf("OY"));
    }

    [Fact]
    public void Dependencies_connect_only_overlapping_tiles_and_find_every_overlap()
    {
        var model = ConvChain(stride: 2);
        var tiled = WorkloadTiler.Tile(model, op => op.Name == "b" ? TilingSpec.Parse("OY, 3", "K, 2") : TilingSpec.Parse("OY, 5"));
        // Brute force over all pairs agrees with the interval index.
        var expected = new List<(int, int, long)>();
        foreach (var to in tiled.Tiles)
            foreach (var read in to.Reads)
                foreach (var from in tiled.Tiles)
                    foreach (var write in from.Writes)
                        if (read.OverlapElements(write) is > 0 and var n)
                            expected.Add((from.Id, to.Id, n));
        Assert.Equal(expected, tiled.Dependencies.Select(d => (d.From, d.To, d.Bytes)));
    }

    [Fact]
    public void Strided_convolution_reads_the_receptive_field_of_its_rows()
    {
        // 3×3, stride 2, padding 1 over 16 rows → 8 output rows; rows [2, 4) read input rows 2·2 − 1 … 3·2 + 2 − 1 = [3, 8).
        var model = ConvChain(stride: 2);
        var tiles = OperatorTiler.Split(model, model.Operators.Single(o => o.Name == "a"), TilingSpec.Parse("OY, 4"));
        Assert.Equal(new IndexRange(2, 4), tiles[1].RangeOf("OY"));
        Assert.Equal(new IndexRange(3, 8), tiles[1].Reads.Single(b => b.Tensor == "x").Axes[2]);
        Assert.Equal(new IndexRange(0, 4), tiles[0].Reads.Single(b => b.Tensor == "x").Axes[2]);
    }

    [Fact]
    public void One_tile_reproduces_the_whole_operator()
    {
        var model = ConvChain();
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Whole);
        Assert.Equal(3, tiled.Tiles.Length);
        var a = (ComputeOperator)model.Operators[0];
        var tile = tiled.Tiles[0];
        Assert.Equal(a.Nest.Sizes, tile.Nest!.Sizes);
        Assert.Equal(a.Nest.Macs, tile.Macs);
        Assert.All(tile.Reads, r => Assert.Equal(model.Tensors[r.Tensor].Bytes, r.Bytes));
        Assert.Equal(model.Tensors["a.out"].Bytes, tile.Writes.Single().Bytes);
        Assert.Equal(2, tiled.Dependencies.Length);
        Assert.Equal(model.Tensors["x"].Bytes, tiled.ModelInputReads.Single().Bytes);
        Assert.Equal(model.Tensors["b.out"].Bytes, tiled.ModelOutputWrites.Single().Bytes);
    }

    [Fact]
    public void Output_channel_splits_read_their_weight_slice_and_every_consumer_row_needs_every_split()
    {
        var model = ConvChain();
        var tiled = WorkloadTiler.Tile(model, op => op.Name == "a" ? TilingSpec.Parse("K, 4") : TilingSpec.Parse("OY, all"));
        var a = tiled.TilesOf("a");
        Assert.Equal(4, a.Length);
        // Each K quarter reads a quarter of the 16×8×3×3 weights.
        Assert.All(tiled.ParameterReads.Where(p => p.Tensor == "a.weight"), p => Assert.Equal(4 * 8 * 9, p.Bytes));
        Assert.Equal(model.Tensors["a.weight"].Bytes, tiled.ParameterReads.Where(p => p.Tensor == "a.weight").Sum(p => p.Bytes));
        // Each relu row reads 16 channels of one row: four producers, 4 channels × 16 columns each.
        var into = tiled.Predecessors();
        foreach (var relu in tiled.TilesOf("relu"))
        {
            Assert.Equal(a.Select(t => t.Id), into[relu.Id].Select(d => d.From));
            Assert.All(into[relu.Id], d => Assert.Equal(4 * 16, d.Bytes));
        }
    }

    [Fact]
    public void Matmul_row_tiles_depend_on_the_same_rows()
    {
        var g = new GraphBuilder("mlp");
        var x = g.Input("x", 64, 32);
        var h = g.Linear(x, 128, nodeName: "up");
        var act = g.Vector(VectorKind.Activation, "Gelu", 8, "gelu", h);
        g.Linear(act, 32, nodeName: "down");
        var model = g.Build();
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("D, 4"));
        AssertCoversExactlyOnce(model, tiled);
        var into = tiled.Predecessors();
        foreach (var down in tiled.TilesOf("down"))
        {
            var d = Assert.Single(into[down.Id]);
            Assert.Equal(down.RangeOf("D"), tiled.Tiles[d.From].RangeOf("D"));
            Assert.Equal(16 * 128, d.Bytes);
        }
        // Weights are read whole by every row tile.
        Assert.All(tiled.ParameterReads.Where(p => p.Tensor == "down.weight"), p => Assert.Equal(128 * 32, p.Bytes));
    }

    [Fact]
    public void Pooling_reads_its_windows_and_a_global_pool_reads_everything()
    {
        var g = new GraphBuilder("pool");
        var x = g.Input("x", 1, 4, 16, 16);
        var a = g.Conv(x, 8, 3, 1, 1, nodeName: "a");
        var p = g.Pool(a, "MaxPool", 3, 2, padding: 1, nodeName: "pool");
        g.GlobalAvgPool(p, "gap");
        var model = g.Build();
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("OY, all"));
        AssertCoversExactlyOnce(model, tiled);
        var into = tiled.Predecessors();
        var conv = tiled.TilesOf("a");
        // 3×3 window, stride 2, padding 1: output row r reads input rows 2r − 1 … 2r + 1 (clipped at the top).
        foreach (var t in tiled.TilesOf("pool"))
        {
            long r = t.RangeOf("OY")!.Value.Start;
            var rows = Enumerable.Range((int)(2 * r - 1), 3).Where(i => i >= 0).ToList();
            Assert.Equal(rows.Select(i => conv[i].Id), into[t.Id].Select(d => d.From));
            Assert.All(into[t.Id], d => Assert.Equal(8 * 16, d.Bytes));
        }
        // No window is known for global pooling: the single tile depends on every pooled row.
        var gap = Assert.Single(tiled.TilesOf("gap"));
        Assert.Equal(8, into[gap.Id].Length);
    }

    [Fact]
    public void Concat_tiles_read_only_the_inputs_their_channels_come_from()
    {
        var g = new GraphBuilder("cat");
        var x = g.Input("x", 1, 4, 8, 8);
        var a = g.Conv(x, 8, 1, nodeName: "a");
        var b = g.Conv(x, 8, 1, nodeName: "b");
        var cat = g.ShapeOp(ShapeKind.Concat, "Concat", [1, 16, 8, 8], "cat", a, b);
        g.ShapeOp(ShapeKind.Reshape, "Reshape", [1, 16, 64], "flat", cat);
        var model = g.Build();
        var tiled = WorkloadTiler.Tile(model, op => op.Name == "cat" ? TilingSpec.Parse("K, 2") : TilingSpec.Parse("OY, all"));
        var into = tiled.Predecessors();
        var halves = tiled.TilesOf("cat");
        // Channels [0, 8) come from a, [8, 16) from b: each half depends on the 8 row tiles of one input.
        Assert.All(into[halves[0].Id], d => Assert.Equal("a", tiled.Tiles[d.From].Operator));
        Assert.All(into[halves[1].Id], d => Assert.Equal("b", tiled.Tiles[d.From].Operator));
        Assert.Equal(model.Tensors["a.out"].Bytes, into[halves[0].Id].Sum(d => d.Bytes));
        Assert.Equal(new IndexRange(0, 8), halves[1].Reads.Single().Axes[1]);
        // A reshape to another shape reads its input whole.
        Assert.Equal(2, into[tiled.TilesOf("flat").Single().Id].Length);
    }

    [Fact]
    public void Dropping_unit_axes_keeps_element_wise_tiles_one_to_one()
    {
        var g = new GraphBuilder("flatten");
        var x = g.Input("x", 1, 64, 1, 1);
        var f = g.ShapeOp(ShapeKind.Reshape, "Flatten", [1, 64], "flatten", x);
        g.Linear(f, 10, nodeName: "fc");
        var model = g.Build();
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("K, 4"));
        var flatten = tiled.TilesOf("flatten");
        Assert.Equal(4, flatten.Length);
        Assert.Equal([new(0, 16), new(0, 1), new(0, 1)], flatten[0].Reads.Single().Axes.Skip(1).ToArray());
        Assert.Equal(64, tiled.ModelInputReads.Sum(r => r.Bytes));
    }

    [Fact]
    public void Onnx_pooling_carries_its_window()
    {
        var model = OnnxImporter.Load(TestData.Shared("data", "onnx", "resnet18.onnx"));
        var pool = model.Operators.OfType<VectorOperator>().Single(o => o.OpType == "MaxPool");
        Assert.Equal(new SlidingWindow(3, 3, 2, 2, 1, 1), pool.Window);
        Assert.Null(model.Operators.OfType<VectorOperator>().Single(o => o.OpType == "GlobalAveragePool").Window);
    }

    [Fact]
    public void Fused_stacks_tile_their_operators_and_leave_the_rest_whole()
    {
        var model = ConvChain();
        var tiled = WorkloadTiler.Tile(model, [new FusedStack("front", ["a", "relu"], TilingSpec.Parse("OY, 8"))]);
        Assert.Equal(8, tiled.TilesOf("a").Length);
        Assert.Equal(8, tiled.TilesOf("relu").Length);
        Assert.Single(tiled.TilesOf("b"));
        Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() =>
            WorkloadTiler.Tile(model, [new FusedStack("bad", ["nope"], TilingSpec.Whole)]));
    }

    [Fact]
    public void Splits_are_balanced_or_sized_as_asked()
    {
        Assert.Equal([new(0, 3), new(3, 6), new(6, 10)], DimensionSplit.Parse("OY, 3").Ranges(10).ToArray());
        Assert.Equal([new(0, 4), new(4, 8), new(8, 10)], new DimensionSplit("D", SplitKind.Size, 4).Ranges(10).ToArray());
        Assert.Equal(10, DimensionSplit.Parse("OY, all").Ranges(10).Length);
        Assert.Equal(3, DimensionSplit.Parse("K, *").Ranges(64, cores: 3).Length);
        Assert.Equal(2, DimensionSplit.Parse("OY, 8").Ranges(2).Length);
        // A dimension cut twice is cut again inside each range: 16 rows → 2 halves → 4 quarters.
        var model = ConvChain();
        var a = OperatorTiler.Split(model, model.Operators[0], TilingSpec.Parse("OY, 2", "OY, 2"));
        Assert.Equal([new(0, 4), new(4, 8), new(8, 12), new(12, 16)], a.Select(t => t.RangeOf("OY")!.Value).ToArray());
        Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() => DimensionSplit.Parse("OY, lots"));
    }

    [Onnx.LibOnnxTestDataFact]
    public void Transposed_convolution_tiles_write_their_cropped_output_windows()
    {
        // test_convtranspose_pads: X [1,1,3,3], W [1,2,3,3], strides [3,2], pads [1,2,1,2] → Y [1,2,7,3].
        var model = OnnxImporter.Load(Path.Combine(Onnx.LibOnnxTestDataFactAttribute.NodeFolder, "test_convtranspose_pads", "model.onnx"));
        var op = Assert.IsType<ComputeOperator>(Assert.Single(model.Operators));
        var output = op.Nest.Operand(OperandRole.Output);
        Assert.Equal([1L, 2L], output.Axes.Skip(2).Select(a => a.Padding));
        var tiles = OperatorTiler.Split(model, op, TilingSpec.Parse("IY, all"));
        // Input row r scatters into output rows 3r − 1 … 3r + 1 (kernel 3, stride 3, crop 1), clipped to [0, 7).
        Assert.Equal([new(0, 2), new(2, 5), new(5, 7)], tiles.Select(t => t.Writes[0].Axes[2]).ToArray());
        Assert.All(tiles, t => Assert.Equal(new IndexRange(0, 3), t.Writes[0].Axes[3]));
    }

    [Fact]
    public void Resnet18_tiles_by_rows_covering_every_output_once()
    {
        var model = ModelZoo.Create("resnet18");
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("OY, all"));
        AssertCoversExactlyOnce(model, tiled);
        Assert.Equal(model.Macs, tiled.Tiles.Sum(t => t.Macs));
        Assert.All(tiled.Dependencies, d => Assert.True(d.From < d.To));
    }

    [Fact]
    public void Fsrcnn_fuses_by_rows_with_the_onnx_padding()
    {
        var model = OnnxImporter.Load(TestData.Shared("data", "onnx", "fsrcnn.onnx"));
        var first = model.Operators.OfType<ComputeOperator>().First();
        var rows = first.Nest.Operand(OperandRole.Input).Axes[2];
        // FSRCNN's first layer is a 5×5 "same" convolution: padding 2 before the first row.
        Assert.Equal(2, rows.Padding);
        var tiled = WorkloadTiler.Tile(model, TilingSpec.Parse("OY, all"));
        AssertCoversExactlyOnce(model, tiled);
        // Every activation byte produced inside the model is consumed at least once.
        foreach (var t in model.Tensors.Values.Where(t => t.Kind == TensorKind.Activation && tiled.Dependencies.Any(d => d.Tensor == t.Name)))
            Assert.True(tiled.Dependencies.Where(d => d.Tensor == t.Name).Sum(d => d.Bytes) >= t.Bytes, t.Name);
    }
    [Fact]
    public void A_box_beyond_what_is_held_is_the_part_along_the_one_axis_where_they_differ()
    {
        TensorBox Box(params (long, long)[] axes) => new("x", [.. axes.Select(a => new IndexRange(a.Item1, a.Item2))], 8);
        // Boxes compare by their text (the axes are an immutable array).
        void Same(TensorBox expected, TensorBox? actual) => Assert.Equal(expected.ToString(), actual?.ToString());
        // Input rows [1, 4) of a 3×3 row tile after rows [0, 3): only row 3 is new.
        Same(Box((0, 3), (3, 4), (0, 56)), Box((0, 3), (1, 4), (0, 56)).Beyond(Box((0, 3), (0, 3), (0, 56))));
        // Held on the far side: the near part is new; all held: nothing is.
        Same(Box((0, 2)), Box((0, 6)).Beyond(Box((2, 9))));
        Assert.True(Box((1, 3)).Beyond(Box((0, 4)))!.IsEmpty);
        // A hole in the middle, disjoint ranges, or two differing axes leave no single box.
        Assert.Null(Box((0, 9)).Beyond(Box((3, 5))));
        Assert.Null(Box((0, 3)).Beyond(Box((5, 7))));
        Assert.Null(Box((0, 3), (0, 3)).Beyond(Box((1, 4), (1, 4))));
        Same(Box((1, 3), (2, 3)), Box((0, 3), (0, 3)).Intersect(Box((1, 4), (2, 5))));
        Same(Box((0, 4), (0, 5)), Box((0, 3), (0, 3)).Span(Box((1, 4), (2, 5))));
    }
}
