namespace Tessera.Workloads.Onnx;

/// <summary>How one ONNX node becomes IR: folded away, or one operator of a kind.</summary>
internal abstract record OnnxLowering
{
    /// <summary>Indices of the node inputs that carry data (not shape arguments); null means all present inputs.</summary>
    public int[]? DataInputs { get; init; }
}

/// <summary>The node's outputs are compile-time constants: no operator is emitted.</summary>
internal sealed record FoldLowering : OnnxLowering
{
    public static readonly FoldLowering Instance = new();
}

internal sealed record VectorLowering(VectorKind Kind, double OpsPerElement) : OnnxLowering
{
    /// <summary>The pooling window, for operators that slide one.</summary>
    public SlidingWindow? Window { get; init; }
}

internal sealed record ShapeLowering(ShapeKind Kind) : OnnxLowering;

/// <summary>A MAC operator; the builder gets the data input names and the first output name.</summary>
internal sealed record ComputeLowering(Func<IReadOnlyList<string>, string, int, LoopNest> Build) : OnnxLowering;

/// <summary>Inferred outputs of a node (one per declared output, null for absent optional outputs) and its lowering.</summary>
internal sealed record OnnxNodeResult(IReadOnlyList<OnnxValue?> Outputs, OnnxLowering Lowering);
