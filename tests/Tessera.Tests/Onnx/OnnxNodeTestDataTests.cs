using Tessera.Diagnostics;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;
using Xunit.Abstractions;

namespace Tessera.Tests.Onnx;

/// <summary>A fact that is skipped, with the reason shown, when Debian's libonnx-testdata is not installed.</summary>
public sealed class LibOnnxTestDataFactAttribute : FactAttribute
{
    public const string NodeFolder = "/usr/share/libonnx-testdata/data/node";

    public LibOnnxTestDataFactAttribute()
    {
        if (!Directory.Exists(NodeFolder))
            Skip = $"{NodeFolder} is absent; install the libonnx-testdata package to run the ONNX node tests";
    }
}

public class OnnxNodeTestDataTests(ITestOutputHelper output)
{
    [LibOnnxTestDataFact]
    public void Every_supported_node_test_infers_the_declared_output_shapes()
    {
        int supported = 0, unsupportedOp = 0, unsupportedInput = 0, runtimeChecked = 0;
        var failures = new List<string>();
        var inputErrors = new List<string>();
        var unsupportedTypes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var dir in Directory.GetDirectories(LibOnnxTestDataFactAttribute.NodeFolder).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, "model.onnx");
            if (!File.Exists(path)) continue;
            var test = Path.GetFileName(dir);
            var model = OnnxImporter.Read(path);
            var unsupported = model.Graph.Nodes.FirstOrDefault(n => !OnnxShapeInference.IsSupported(n));
            try
            {
                if (unsupported is not null)
                {
                    unsupportedOp++;
                    unsupportedTypes[unsupported.OpType] = unsupportedTypes.GetValueOrDefault(unsupported.OpType) + 1;
                    var e = Assert.Throws<TesseraInputException>(() => OnnxImporter.Load(path));
                    if (!e.Message.Contains($"unsupported operator '", StringComparison.Ordinal) || !e.Message.Contains(unsupported.OpType, StringComparison.Ordinal))
                        failures.Add($"{test}: unexpected message {e.Message}");
                    continue;
                }
                // The importer reads a declared 0 as an unknown (batch) size; zero-sized tensors are not in the IR.
                if (model.Graph.Inputs.Any(i => i.Shape?.Any(d => d.Value == 0) == true))
                {
                    unsupportedInput++;
                    inputErrors.Add($"{test}: declares a zero-sized input");
                    continue;
                }
                IReadOnlyDictionary<string, OnnxValue> values;
                try
                {
                    values = OnnxImporter.InferShapes(path);
                    OnnxImporter.Load(path);
                    supported++;
                }
                catch (TesseraInputException e) when (e.Message.Contains("only known at run time", StringComparison.Ordinal))
                {
                    // Shape arguments fed as graph inputs: Load rightly refuses; check inference with the test's values.
                    unsupportedInput++;
                    runtimeChecked++;
                    values = OnnxImporter.InferShapes(path, inputValues: TestInputs(dir, model));
                }
                catch (TesseraInputException e)
                {
                    unsupportedInput++;
                    inputErrors.Add($"{test}: {e.Message}");
                    continue;
                }
                foreach (var declared in model.Graph.Outputs)
                {
                    if (declared.Shape is not { } dims || dims.Any(d => d.Value is null)) continue;
                    var expected = dims.Select(d => d.Value!.Value).ToArray();
                    var actual = values[declared.Name].Shape;
                    if (!expected.SequenceEqual(actual))
                        failures.Add($"{test}: output '{declared.Name}' is [{string.Join(',', actual)}], declared [{string.Join(',', expected)}]");
                }
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                failures.Add($"{test}: {e.GetType().Name}: {e.Message}");
            }
        }
        output.WriteLine($"libonnx-testdata node models: {supported} supported, {unsupportedInput} supported operator but unsupported input ({runtimeChecked} of them shape-checked with the test's input values), {unsupportedOp} unsupported operator");
        output.WriteLine("unsupported operators: " + string.Join(", ", unsupportedTypes.Select(p => $"{p.Key}({p.Value})")));
        foreach (var e in inputErrors) output.WriteLine("input: " + e);
        foreach (var f in failures) output.WriteLine("FAIL " + f);
        Assert.Empty(failures);
    }

    /// <summary>The values of test_data_set_0/input_i.pb, matched to the graph inputs by position.</summary>
    private static Dictionary<string, OnnxTensor> TestInputs(string dir, OnnxModel model)
    {
        var result = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var inputs = model.Graph.Inputs.Where(i => model.Graph.Initializers.All(t => t.Name != i.Name)).ToList();
        for (int i = 0; i < inputs.Count; i++)
        {
            var file = Path.Combine(dir, "test_data_set_0", $"input_{i}.pb");
            if (File.Exists(file)) result[inputs[i].Name] = OnnxReader.ReadTensor(File.ReadAllBytes(file));
        }
        return result;
    }

    [LibOnnxTestDataFact]
    public void Transposed_convolution_counts_useful_macs()
    {
        // test_convtranspose: X [1,1,3,3], W [1,2,3,3], stride 1 → Y [1,2,5,5]; each input pixel meets 2·3·3 weights.
        var graph = OnnxImporter.Load(Path.Combine(LibOnnxTestDataFactAttribute.NodeFolder, "test_convtranspose", "model.onnx"));
        var op = Assert.IsType<ComputeOperator>(Assert.Single(graph.Operators));
        Assert.Equal(1L * 1 * 3 * 3 * 2 * 9, op.Nest.Macs);
        Assert.Equal(new long[] { 1, 2, 5, 5 }, graph.Tensors[op.Outputs[0]].Shape);
        Assert.Equal(2L * 5 * 5, op.Nest.UniqueElements(op.Nest.Operand(OperandRole.Output)));
    }

    [LibOnnxTestDataFact]
    public void Training_operator_is_reported_as_unsupported()
    {
        var path = Path.Combine(LibOnnxTestDataFactAttribute.NodeFolder, "test_adagrad", "model.onnx");
        var e = Assert.Throws<TesseraInputException>(() => OnnxImporter.Load(path));
        Assert.StartsWith($"{path}: node '", e.Message);
        Assert.EndsWith("' has unsupported operator 'ai.onnx.preview.training.Adagrad'", e.Message);
    }
}
