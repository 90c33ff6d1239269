using Tessera.Diagnostics;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;

namespace Tessera.Tests.Onnx;

public class OnnxImporterTests
{
    private static string Model(string file) => TestData.Shared("data", "onnx", file);

    public static TheoryData<string> AllModels()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestData.Shared("data", "onnx"), "*.onnx").Order(StringComparer.Ordinal))
            data.Add(f);
        foreach (var f in Directory.GetFiles(TestData.Shared("data", "stream-tutorial"), "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(f);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void Every_shared_model_imports(string path)
    {
        var graph = OnnxImporter.Load(path);
        Assert.NotEmpty(graph.Operators);
        Assert.True(graph.Macs > 0);
        Assert.All(graph.Tensors.Values, t => Assert.Equal(8, t.Bits));
    }

    [Fact]
    public void Resnet18_macs_and_parameters_match_the_layer_shapes()
    {
        var graph = OnnxImporter.Load(Model("resnet18.onnx"));
        // conv1 7×7/2 to 112×112, then four stages of basic blocks (two 3×3 convs each, two blocks per stage);
        // stages 2–4 halve the map, and their first block has a stride-2 conv and a 1×1 downsample.
        long conv1 = 64L * 3 * 112 * 112 * 49;                                    // 118,013,952
        long layer1 = 4 * (64L * 64 * 56 * 56 * 9);
        long Stage(long c, long map) =>
            c * (c / 2) * map * map * 9 + 3 * (c * c * map * map * 9) + c * (c / 2) * map * map;
        long fc = 512L * 1000;
        long macs = conv1 + layer1 + Stage(128, 28) + Stage(256, 14) + Stage(512, 7) + fc;
        Assert.Equal(1_814_073_344L, macs);
        Assert.Equal(macs, graph.Macs);
        Assert.Equal(21, graph.Operators.OfType<ComputeOperator>().Count());

        // The file folds batch norm into the convolutions: every conv has a bias, there are no BN nodes.
        long StageWeights(long c) => c * (c / 2) * 9 + 3 * (c * c * 9) + c * (c / 2);
        long convWeights = 64L * 3 * 49 + 4 * (64L * 64 * 9) + StageWeights(128) + StageWeights(256) + StageWeights(512);
        Assert.Equal(11_166_912L, convWeights);
        long convBiases = 64 + 4 * 64 + 5 * 128 + 5 * 256 + 5 * 512;             // 4,800 output channels
        long fcParams = 512L * 1000 + 1000;
        Assert.Equal(11_684_712L, convWeights + convBiases + fcParams);
        Assert.Equal(11_684_712L, graph.ParameterCount);
        Assert.DoesNotContain(graph.Operators, op => op.OpType == "BatchNormalization");

        var first = graph.Operators.OfType<ComputeOperator>().First();
        Assert.Equal(new long[] { 1, 1, 64, 3, 112, 112, 7, 7 }, first.Nest.Dimensions.Select(d => d.Size));
        Assert.Equal(TensorKind.ModelInput, graph.Tensors[first.Inputs[0]].Kind);
        Assert.Equal(TensorKind.Parameter, graph.Tensors[first.Inputs[1]].Kind);
    }


    [Fact]
    public void Batch_option_replaces_the_leading_input_dimension()
    {
        var graph = OnnxImporter.Load(Model("resnet18.onnx"), new OnnxImportOptions(Batch: 4, Bits: 16));
        Assert.Equal(new long[] { 4, 3, 224, 224 }, graph.ModelInputs.Single().Shape);
        Assert.Equal(4 * 1_814_073_344L, graph.Macs);
        Assert.All(graph.Tensors.Values, t => Assert.Equal(16, t.Bits));
    }

    [Fact]
    public void Gemm_256_8192_2048_is_one_matmul()
    {
        var graph = OnnxImporter.Load(Model("gemm_256_8192_2048.onnx"));
        var op = Assert.IsType<ComputeOperator>(Assert.Single(graph.Operators));
        // A is [256, 8192] and the initializer B is [8192, 2048].
        Assert.Equal(256L * 8192 * 2048, graph.Macs);
        Assert.Equal(256, op.Nest.Sizes["D"]);
        Assert.Equal(2048, op.Nest.Sizes["K"]);
        Assert.Equal(8192, op.Nest.Sizes["C"]);
        Assert.Equal(8192L * 2048, graph.ParameterCount);
        Assert.Equal(new long[] { 256, 2048 }, graph.Tensors[op.Outputs[0]].Shape);
    }

    [Fact]
    public void Mobilenetv2_is_about_300_million_macs_with_constants_folded()
    {
        var graph = OnnxImporter.Load(Model("mobilenetv2.onnx"));
        Assert.InRange(graph.Macs, 0.95 * 0.30e9, 1.05 * 0.30e9);
        Assert.Equal(300_774_272L, graph.Macs);
        // Clip's min/max come from Constant nodes, which fold away.
        Assert.DoesNotContain(graph.Operators, op => op.OpType == "Constant");
        Assert.Equal(35, graph.Operators.Count(op => op is VectorOperator { OpType: "Clip", Kind: VectorKind.Activation }));
        Assert.Equal(53, graph.Operators.OfType<ComputeOperator>().Count());
        // torchvision MobileNetV2 has 3.50 M parameters; with BN folded into conv biases slightly fewer.
        Assert.InRange(graph.ParameterCount, 3_450_000, 3_510_000);
        var depthwise = graph.Operators.OfType<ComputeOperator>().ElementAt(1);
        Assert.Equal(32, depthwise.Nest.Sizes["G"]);
    }

    [Fact]
    public void Alexnet_macs_match_the_layer_shapes()
    {
        var graph = OnnxImporter.Load(Model("alexnet.onnx"));
        // BVLC AlexNet as stored: 11×11/4 unpadded conv to 54×54; 3×3/2 pools to 26, 12 and (end pad 1) 6;
        // conv2, conv4 and conv5 have two groups.
        long macs = 96L * 3 * 54 * 54 * 121 + 256L * 48 * 26 * 26 * 25 + 384L * 256 * 12 * 12 * 9
                    + 384L * 192 * 12 * 12 * 9 + 256L * 192 * 12 * 12 * 9 + 9216L * 4096 + 4096L * 4096 + 4096L * 1000;
        Assert.Equal(654_560_384L, macs);
        Assert.Equal(macs, graph.Macs);
        var lrn = Assert.IsType<VectorOperator>(graph.Operators.First(o => o.OpType == "LRN"));
        Assert.Equal(VectorOpCounts.Lrn(5), lrn.OpsPerElement);
        var pool = Assert.IsType<VectorOperator>(graph.Operators.First(o => o.OpType == "MaxPool"));
        Assert.Equal(9, pool.OpsPerElement);
        Assert.Equal(96L * 26 * 26, pool.Elements);
        Assert.All(graph.Operators.Where(o => o.OpType is "Dropout" or "Reshape"), o => Assert.False(((ShapeOperator)o).MovesData));
    }

    [Theory]
    [InlineData("swiglu_64_128_256.onnx", 64, 128, 256)]
    [InlineData("swiglu_256_4096_14336.onnx", 256, 4096, 14336)]
    public void Swiglu_has_three_projections(string file, long tokens, long hidden, long ffn)
    {
        var graph = OnnxImporter.Load(Model(file));
        // gate and up project hidden → ffn, down projects ffn → hidden.
        Assert.Equal(3 * tokens * hidden * ffn, graph.Macs);
        Assert.Equal(new long[] { tokens, hidden }, graph.ModelInputs.Single().Shape);
        var silu = Assert.IsType<VectorOperator>(graph.Operators.Single(o => o.OpType == "Silu"));
        Assert.Equal(tokens * ffn, silu.Elements);
        var mul = Assert.IsType<VectorOperator>(graph.Operators.Single(o => o.OpType == "Mul"));
        Assert.Equal(new long[] { tokens, ffn }, graph.Tensors[mul.Outputs[0]].Shape);
        var last = graph.Operators.OfType<ComputeOperator>().Last();
        Assert.Equal(new long[] { tokens, hidden }, graph.Tensors[last.Outputs[0]].Shape);
        Assert.Equal(3 * hidden * ffn, graph.ParameterCount);
    }

    [Fact]
    public void Attention_head_shapes()
    {
        var graph = OnnxImporter.Load(Model("attention_head.onnx"));
        // I[128,512]·W{Q,K,V}[512,64] → [128,64]; Q·Kᵀ → [128,128]; softmax; P·V → [128,64].
        Assert.Equal(3 * (128L * 512 * 64) + 128L * 128 * 64 + 128L * 128 * 64, graph.Macs);
        var softmax = Assert.IsType<VectorOperator>(graph.Operators.Single(o => o.OpType == "Softmax"));
        Assert.Equal(new long[] { 128, 128 }, graph.Tensors[softmax.Outputs[0]].Shape);
        Assert.Equal(VectorOpCounts.Softmax, softmax.OpsPerElement);
        var transpose = Assert.IsType<ShapeOperator>(graph.Operators.Single(o => o.OpType == "Transpose"));
        Assert.Equal(new long[] { 64, 128 }, graph.Tensors[transpose.Outputs[0]].Shape);
        Assert.Equal(4, graph.ModelInputs.Count());
    }

    [Fact]
    public void Missing_file_is_reported()
    {
        var e = Assert.Throws<TesseraInputException>(() => OnnxImporter.Load("/nonexistent/model.onnx"));
        Assert.Equal("/nonexistent/model.onnx: file not found", e.Message);
    }

    [Fact]
    public void Truncated_file_is_not_a_valid_model()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, File.ReadAllBytes(Model("resnet18.onnx"))[..100]);
            var e = Assert.Throws<TesseraInputException>(() => OnnxImporter.Load(path));
            Assert.StartsWith($"{path}: not a valid ONNX model (", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Random_bytes_are_not_a_valid_model()
    {
        var path = Path.GetTempFileName();
        try
        {
            var bytes = new byte[4096];
            new Random(42).NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<TesseraInputException>(() => OnnxImporter.Load(path));
            Assert.StartsWith($"{path}: not a valid ONNX model (", e.Message);
        }
        finally { File.Delete(path); }
    }

    private static TesseraInputException LoadBytes(byte[] model, out string path)
    {
        path = Path.GetTempFileName();
        File.WriteAllBytes(path, model);
        var p = path;
        try { return Assert.Throws<TesseraInputException>(() => OnnxImporter.Load(p)); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Unsupported_operator_is_named()
    {
        var model = OnnxModelWriter.Model(OnnxModelWriter.Graph(
            [OnnxModelWriter.Node("Frobnicate", "frob", ["x"], ["y"])], [],
            [OnnxModelWriter.Value("x", 1, 4)], [OnnxModelWriter.Value("y", 1, 4)]));
        var e = LoadBytes(model, out var path);
        Assert.Equal($"{path}: node 'frob' has unsupported operator 'Frobnicate'", e.Message);
    }

    [Fact]
    public void A_fixed_leading_dimension_is_kept_at_batch_one_and_refused_at_other_batches()
    {
        var path = Model("attention_head.onnx");
        var declared = OnnxImporter.Load(path);
        Assert.Equal(declared.Macs, OnnxImporter.Load(path, new OnnxImportOptions(Batch: 1)).Macs);
        var e = Assert.Throws<TesseraInputException>(() => OnnxImporter.Load(path, new OnnxImportOptions(Batch: 4)));
        Assert.Contains("cannot run it at batch 4", e.Message);
    }

    [Fact]
    public void A_cycle_between_nodes_is_reported_with_a_node_name()
    {
        // a: y = Relu(z + x); b: z = Relu(y) — each waits for the other.
        var model = OnnxModelWriter.Model(OnnxModelWriter.Graph(
            [OnnxModelWriter.Node("Add", "a", ["x", "z"], ["y"]), OnnxModelWriter.Node("Relu", "b", ["y"], ["z"])], [],
            [OnnxModelWriter.Value("x", 1, 4)], [OnnxModelWriter.Value("y", 1, 4)]));
        var e = LoadBytes(model, out var path);
        Assert.StartsWith(path, e.Message);
        Assert.Contains("'a'", e.Message);
    }

    [Fact]
    public void Matmul_with_mismatched_inner_dimensions_names_node_and_shapes()
    {
        var model = OnnxModelWriter.Model(OnnxModelWriter.Graph(
            [OnnxModelWriter.Node("MatMul", "mm", ["a", "b"], ["y"])], [],
            [OnnxModelWriter.Value("a", 2, 3), OnnxModelWriter.Value("b", 4, 5)], [OnnxModelWriter.Value("y", 2, 5)]));
        var e = LoadBytes(model, out var path);
        Assert.Equal($"{path}: node 'mm' (MatMul): inner dimensions differ: [2,3] × [4,5]", e.Message);
    }

    [Fact]
    public void Reshape_target_in_external_data_names_the_node()
    {
        var model = OnnxModelWriter.Model(OnnxModelWriter.Graph(
            [OnnxModelWriter.Node("Reshape", "flat", ["x", "shape"], ["y"])],
            [OnnxModelWriter.Tensor("shape", [2], OnnxModelWriter.Int64)],
            [OnnxModelWriter.Value("x", 2, 3, 4)], [OnnxModelWriter.Value("y", 2, 12)]));
        var e = LoadBytes(model, out _);
        Assert.Contains("node 'flat' needs the values of 'shape'", e.Message);
        Assert.Contains("not stored in the file", e.Message);
    }

    [Fact]
    public void Reshape_with_inline_target_uses_zero_and_minus_one()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, OnnxModelWriter.Model(OnnxModelWriter.Graph(
                [OnnxModelWriter.Node("Reshape", "flat", ["x", "shape"], ["y"]), OnnxModelWriter.Node("Relu", "act", ["y"], ["z"])],
                [OnnxModelWriter.Tensor("shape", [2], OnnxModelWriter.Int64, [0, -1])],
                [OnnxModelWriter.Value("x", 2, 3, 4)], [OnnxModelWriter.Value("z", 2, 12)])));
            var graph = OnnxImporter.Load(path);
            Assert.Equal(new long[] { 2, 12 }, graph.Tensors["z"].Shape);
            // The target shape is not a weight: it is consumed at import time.
            Assert.Equal(0, graph.ParameterCount);
            Assert.False(((ShapeOperator)graph.Operators[0]).MovesData);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("resnet18.onnx")]
    [InlineData("mobilenetv2.onnx")]
    [InlineData("attention_head.onnx")]
    public void Damaged_files_fail_only_with_input_errors(string file)
    {
        var original = File.ReadAllBytes(Model(file));
        var random = new Random(7);
        var path = Path.GetTempFileName();
        try
        {
            const int trials = 400;
            for (int trial = 0; trial < trials; trial++)
            {
                var bytes = trial % 2 == 0
                    ? original[..random.Next(original.Length)]                        // truncated
                    : original.Select(b => random.Next(64) == 0 ? (byte)random.Next(256) : b).ToArray();  // ~1.5% bytes flipped
                File.WriteAllBytes(path, bytes);
                try
                {
                    OnnxImporter.Load(path);
                }
                catch (TesseraInputException e)
                {
                    Assert.StartsWith(path, e.Message);
                }
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Empty_file_and_directory_are_input_errors()
    {
        var path = Path.GetTempFileName();
        try
        {
            var e = Assert.Throws<TesseraInputException>(() => OnnxImporter.Load(path));
            Assert.StartsWith($"{path}: is empty or not a regular file", e.Message);
        }
        finally { File.Delete(path); }
        var dir = Path.GetTempPath();
        Assert.Throws<TesseraInputException>(() => OnnxImporter.Load(dir));
    }
}
