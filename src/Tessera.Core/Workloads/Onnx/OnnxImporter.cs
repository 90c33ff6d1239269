using System.Collections.Immutable;
using Google.Protobuf;
using Tessera.Diagnostics;

namespace Tessera.Workloads.Onnx;

/// <summary>Options for ONNX import: the batch to substitute for the model inputs' leading dimension, and bit width.</summary>
public sealed record OnnxImportOptions(int? Batch = null, int Bits = 8);

/// <summary>Reads shape-only .onnx files into the workload IR.</summary>
public static class OnnxImporter
{
    /// <summary>Reads the file, infers every tensor's shape and lowers the nodes to IR operators.</summary>
    /// <exception cref="TesseraInputException">The file is missing or malformed, or a node is unsupported or inconsistent.</exception>
    public static ModelGraph Load(string path, OnnxImportOptions? options = null)
    {
        var state = Infer(path, options ?? new OnnxImportOptions());
        return Lower(state, options ?? new OnnxImportOptions());
    }

    /// <summary>Shape inference only: the inferred value of every tensor, by name (used by tests against declared shapes).</summary>
    /// <param name="inputValues">Values for graph inputs that carry shape arguments (ONNX node tests feed them at run time).</param>
    internal static IReadOnlyDictionary<string, OnnxValue> InferShapes(string path, OnnxImportOptions? options = null,
        IReadOnlyDictionary<string, OnnxTensor>? inputValues = null) =>
        Infer(path, options ?? new OnnxImportOptions(), inputValues).Values;

    /// <summary>The result of shape inference: tensor values and the non-folded nodes in processing order.</summary>
    private sealed record InferenceState(
        string Path, OnnxModel Model, Dictionary<string, OnnxValue> Values,
        List<(OnnxNode Node, string Name, OnnxNodeResult Result)> Emitted, HashSet<string> GraphInputs);

    internal static OnnxModel Read(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new TesseraInputException("ONNX model path is empty");
        var bytes = InputFiles.ReadAllBytes(path, "ONNX model", Limits.Current.OnnxBytes);
        try
        {
            var model = OnnxReader.ReadModel(bytes);
            if (model.Graph.Nodes.IsEmpty && model.Graph.Inputs.IsEmpty)
                throw new OnnxFormatException("the graph has no nodes and no inputs");
            return model;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or OnnxFormatException)
        {
            throw new TesseraInputException($"{path}: not a valid ONNX model ({e.Message})", e);
        }
    }

    private static InferenceState Infer(string path, OnnxImportOptions options, IReadOnlyDictionary<string, OnnxTensor>? inputValues = null)
    {
        if (options.Bits <= 0) throw new TesseraInputException($"{path}: bit width {options.Bits} must be positive");
        if (options.Batch is <= 0) throw new TesseraInputException($"{path}: batch {options.Batch} must be positive");
        var model = Read(path);
        var graph = model.Graph;
        // Unsupported operators are reported first: no shape guessing for them.
        var names = UniqueNames(graph.Nodes);
        for (int i = 0; i < graph.Nodes.Length; i++)
            if (graph.Nodes[i].Domain is not ("" or "ai.onnx") && !model.Opsets.ContainsKey(graph.Nodes[i].Domain))
                throw TesseraInputException.At(path, $"node '{names[i]}' is in domain '{graph.Nodes[i].Domain}', which the model does not import; expected a domain of its opset_import ({string.Join(", ", model.Opsets.Keys.Select(k => k.Length == 0 ? "ai.onnx" : k))})");
            else if (!OnnxShapeInference.IsSupported(graph.Nodes[i]))
                throw TesseraInputException.At(path, $"node '{names[i]}' has unsupported operator '{Qualified(graph.Nodes[i])}'");
        var values = new Dictionary<string, OnnxValue>(StringComparer.Ordinal);
        foreach (var init in graph.Initializers)
        {
            if (init.Dims.Any(d => d < 0) || !FitsInt64([.. init.Dims]))
                throw TesseraInputException.At(path, $"initializer '{init.Name}' has invalid dimensions [{string.Join(',', init.Dims)}]");
            values[init.Name] = OnnxValue.Constant([.. init.Dims], init.DataType, OnnxValue.Decode(init));
        }
        var graphInputs = new HashSet<string>(StringComparer.Ordinal);
        // Before IR version 4, initializers are also listed as graph inputs; those stay parameters.
        foreach (var input in graph.Inputs.Where(i => !values.ContainsKey(i.Name)))
        {
            if (inputValues?.GetValueOrDefault(input.Name) is { } known)
            {
                values[input.Name] = OnnxValue.Constant([.. known.Dims], known.DataType, OnnxValue.Decode(known));
                graphInputs.Add(input.Name);
                continue;
            }
            var shape = DeclaredShape(path, input, options.Batch);
            if (!FitsInt64(shape)) throw TesseraInputException.At(path, $"graph input '{input.Name}' has too many elements");
            values[input.Name] = OnnxValue.Activation(shape, input.ElemType);
            graphInputs.Add(input.Name);
        }

        // ONNX requires topological order, but process a node only once its inputs are known anyway.
        var emitted = new List<(OnnxNode, string, OnnxNodeResult)>();
        var pending = Enumerable.Range(0, graph.Nodes.Length).ToList();
        while (pending.Count > 0)
        {
            var next = new List<int>();
            foreach (var i in pending)
            {
                var node = graph.Nodes[i];
                if (node.Inputs.Any(n => n.Length > 0 && !values.ContainsKey(n)))
                {
                    next.Add(i);
                    continue;
                }
                var result = InferNode(path, model, node, names[i], values);
                if (result.Lowering is not FoldLowering) emitted.Add((node, names[i], result));
            }
            if (next.Count == pending.Count)
            {
                var node = graph.Nodes[next[0]];
                var missing = node.Inputs.First(n => n.Length > 0 && !values.ContainsKey(n));
                throw TesseraInputException.At(path,
                    $"node '{names[next[0]]}' reads tensor '{missing}', which is neither a graph input, an initializer nor a node output (or the graph has a cycle)");
            }
            pending = next;
        }
        return new InferenceState(path, model, values, emitted, graphInputs);
    }

    /// <summary>Evaluates the MAC count once so that an overflowing nest is reported here, as bad input.</summary>
    private static LoopNest Checked(LoopNest nest)
    {
        _ = nest.Macs;
        return nest;
    }

    /// <summary>Element counts must fit in 64 bits (and so must bit counts, which multiply by at most 64).</summary>
    private static bool FitsInt64(long[] shape)
    {
        const long limit = long.MaxValue / 64;   // headroom for bytes × bits arithmetic downstream
        long product = 1;
        foreach (var d in shape)
        {
            if (d != 0 && product > limit / d) return false;
            product *= d;
        }
        return true;
    }

    private static string Qualified(OnnxNode node) =>
        node.Domain is "" or "ai.onnx" ? node.OpType : $"{node.Domain}.{node.OpType}";

    /// <summary>Node names as given, or OpType_index when empty, made unique.</summary>
    private static string[] UniqueNames(ImmutableArray<OnnxNode> nodes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new string[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            var name = nodes[i].Name.Length > 0 ? nodes[i].Name : $"{nodes[i].OpType}_{i}";
            var unique = name;
            for (int k = 1; !seen.Add(unique); k++) unique = $"{name}_{k}";
            result[i] = unique;
        }
        return result;
    }

    private static long[] DeclaredShape(string path, OnnxValueInfo input, int? batch)
    {
        if (!input.IsTensor) throw TesseraInputException.At(path, $"graph input '{input.Name}' is not a tensor; only tensor inputs are supported");
        if (input.Shape is not { } dims) throw TesseraInputException.At(path, $"graph input '{input.Name}' declares no shape");
        var shape = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            // A negative size is no symbol: taking it as the batch would silently change the model.
            if (dims[i].Value is < 0)
                throw TesseraInputException.At(path, $"graph input '{input.Name}' has dimension {i} = {dims[i].Value}; expected a positive size or a symbol");
            long? value = dims[i].Value is > 0 ? dims[i].Value : null;
            if (i == 0)
                shape[i] = LeadingDimension(path, input.Name, value, batch);
            else
                shape[i] = value ?? throw TesseraInputException.At(path,
                    $"graph input '{input.Name}' has unknown dimension {i}{(dims[i].Param is { } p ? $" ('{p}')" : "")}; expected a fixed size");
        }
        return shape;
    }

    /// <summary>
    /// A symbolic, unknown or unit leading dimension is the batch and takes the requested one. A fixed larger
    /// size (attention_head.onnx's 128 tokens) is no batch axis: it stays, and only batch 1 may be asked of it.
    /// </summary>
    private static long LeadingDimension(string path, string input, long? declared, int? batch)
    {
        if (declared is null or 1) return batch ?? 1;
        if (batch is null or 1) return declared.Value;
        throw TesseraInputException.At(path,
            $"graph input '{input}' has a fixed leading dimension {declared}, not a batch axis; cannot run it at batch {batch}");
    }

    private static OnnxNodeResult InferNode(string path, OnnxModel model, OnnxNode node, string name, Dictionary<string, OnnxValue> values)
    {
        var inputs = node.Inputs.Select(n => n.Length > 0 ? values[n] : null).ToList();
        var context = new OnnxNodeContext(node, name, inputs, model.DefaultOpset, path);
        if (node.Outputs.All(o => o.Length == 0)) throw context.Fail("the node has no outputs");
        OnnxNodeResult result;
        try
        {
            result = OnnxShapeInference.Infer(context);
        }
        catch (Exception e) when (e is OverflowException or IndexOutOfRangeException or ArgumentException
                                      or InvalidOperationException or DivideByZeroException or KeyNotFoundException)
        {
            // Inconsistent attributes (wrong lengths, huge sizes) surface as runtime errors; report them as bad input.
            throw context.Fail($"inconsistent attributes or inputs ({e.Message})");
        }
        bool fold = result.Lowering is FoldLowering
                    || OnnxShapeInference.IsFoldable(node.OpType) && inputs.All(i => i is null || i.IsConstant);
        for (int k = 0; k < node.Outputs.Length; k++)
        {
            var output = node.Outputs[k];
            if (output.Length == 0) continue;
            var value = k < result.Outputs.Count ? result.Outputs[k] : null;
            if (value is null) throw context.Fail($"output {k} ('{output}') is not modelled by the importer");
            if (value.Shape.Any(d => d < 0) || !FitsInt64(value.Shape))
                throw context.Fail($"inferred an invalid shape {OnnxNodeContext.Show(value.Shape)} for '{output}'");
            values[output] = fold ? OnnxValue.Constant(value.Shape, value.ElemType, value.Values) : value with { IsConstant = false, Values = null };
        }
        return fold ? result with { Lowering = FoldLowering.Instance } : result;
    }

    private static ModelGraph Lower(InferenceState state, OnnxImportOptions options)
    {
        var path = state.Path;
        int bits = options.Bits;
        var operators = new List<Operator>();
        var dataTensors = new HashSet<string>(StringComparer.Ordinal);
        var activations = new List<string>();
        foreach (var (node, name, result) in state.Emitted)
        {
            var indices = result.Lowering.DataInputs ?? [.. Enumerable.Range(0, node.Inputs.Length)];
            ImmutableArray<string> ins = [.. indices.Where(i => i < node.Inputs.Length && node.Inputs[i].Length > 0).Select(i => node.Inputs[i])];
            ImmutableArray<string> outs = [.. node.Outputs.Where(o => o.Length > 0)];
            dataTensors.UnionWith(ins);
            activations.AddRange(outs);
            try
            {
                operators.Add(result.Lowering switch
                {
                    VectorLowering v => new VectorOperator(name, node.OpType, ins, outs, v.Kind, state.Values[outs[0]].Elements, v.OpsPerElement) { Window = v.Window },
                    ShapeLowering s => new ShapeOperator(name, node.OpType, ins, outs, s.Kind),
                    ComputeLowering c => new ComputeOperator(name, node.OpType, ins, outs, Checked(c.Build(ins, outs[0], bits))),
                    _ => throw new InvalidOperationException($"unexpected lowering {result.Lowering}"),
                });
            }
            catch (TesseraInputException e)
            {
                throw TesseraInputException.At(path, $"node '{name}' ({node.OpType}): {e.Message}");
            }
            catch (OverflowException)
            {
                throw TesseraInputException.At(path, $"node '{name}' ({node.OpType}): its multiply-accumulate count does not fit in 64 bits");
            }
        }

        var tensors = new List<Tensor>();
        foreach (var input in state.GraphInputs)
            tensors.Add(new Tensor(input, [.. state.Values[input].Shape], bits, TensorKind.ModelInput));
        // Initializers and folded constants become parameters only where an operator reads them as data
        // (a Reshape's target shape is not a weight).
        foreach (var name in dataTensors.Where(n => !state.GraphInputs.Contains(n) && state.Values[n].IsConstant).Order(StringComparer.Ordinal))
            tensors.Add(new Tensor(name, [.. state.Values[name].Shape], bits, TensorKind.Parameter));
        foreach (var name in activations)
            tensors.Add(new Tensor(name, [.. state.Values[name].Shape], bits, TensorKind.Activation));
        var graphName = state.Model.Graph.Name.Length > 0 ? state.Model.Graph.Name : Path.GetFileNameWithoutExtension(path);
        return new ModelGraph(graphName, tensors, operators, path);
    }
}
