using Tessera.Diagnostics;

namespace Tessera.Workloads.Onnx;

/// <summary>One node during shape inference: its attributes, its known inputs, and error helpers that name it.</summary>
internal sealed class OnnxNodeContext(OnnxNode node, string name, IReadOnlyList<OnnxValue?> inputs, long opset, string where)
{
    public OnnxNode Node { get; } = node;
    public string Name { get; } = name;
    public long Opset { get; } = opset;
    public string Where { get; } = where;
    public IReadOnlyList<OnnxValue?> Inputs { get; } = inputs;
    public string OpType => Node.OpType;
    public int InputCount => Inputs.Count;

    public bool Has(int i) => i < Inputs.Count && Inputs[i] is not null;

    public OnnxValue In(int i) =>
        Has(i) ? Inputs[i]! : throw Fail($"input {i} is required but missing");

    public long[] Shape(int i) => In(i).Shape;

    public long Rank(int i) => In(i).Shape.Length;

    /// <summary>Integer values of a constant input (Reshape's shape, Slice's starts…).</summary>
    public long[] IntsOf(int i) => In(i).Ints(Where, Name, Node.Inputs[i]);

    public double[] RealsOf(int i) => In(i).Reals(Where, Name, Node.Inputs[i]);

    public bool HasAttr(string attr) => Node.Attributes.ContainsKey(attr);

    public long Int(string attr, long fallback) =>
        Node.Attributes.TryGetValue(attr, out var a) ? a.I : fallback;

    public float Float(string attr, float fallback) =>
        Node.Attributes.TryGetValue(attr, out var a) ? a.F : fallback;

    public string Str(string attr, string fallback) =>
        Node.Attributes.TryGetValue(attr, out var a) ? a.Text : fallback;

    public long[]? Ints(string attr) =>
        Node.Attributes.TryGetValue(attr, out var a) ? [.. a.Ints] : null;

    public float[]? Floats(string attr) =>
        Node.Attributes.TryGetValue(attr, out var a) ? [.. a.Floats] : null;

    public OnnxAttribute? Attr(string attr) => Node.Attributes.GetValueOrDefault(attr);

    /// <summary>An axis in [−rank, rank) made non-negative; out of range names the node.</summary>
    public int Axis(long axis, long rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw Fail($"axis {axis} is out of range for rank {rank}");
        return (int)a;
    }

    public TesseraInputException Fail(string what) =>
        TesseraInputException.At(Where, $"node '{Name}' ({OpType}): {what}");

    public static string Show(long[] shape) => $"[{string.Join(',', shape)}]";
}
