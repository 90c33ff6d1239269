using System.Collections.Immutable;

namespace Tessera.Workloads;

/// <summary>A node of a model graph. Inputs and outputs name tensors of the graph.</summary>
public abstract record Operator(string Name, string OpType, ImmutableArray<string> Inputs, ImmutableArray<string> Outputs);

/// <summary>A MAC operator (convolution, GEMM, matmul) described by its loop nest.</summary>
public sealed record ComputeOperator(
    string Name, string OpType, ImmutableArray<string> Inputs, ImmutableArray<string> Outputs, LoopNest Nest)
    : Operator(Name, OpType, Inputs, Outputs);

/// <summary>What a vector unit computes; sets the default operations per element.</summary>
public enum VectorKind { Softmax, LayerNorm, RmsNorm, BatchNorm, Activation, Pooling, Elementwise, Gather, Reduction }

/// <summary>A non-MAC operator: <see cref="Elements"/> output elements × <see cref="OpsPerElement"/> operations.</summary>
public sealed record VectorOperator(
    string Name, string OpType, ImmutableArray<string> Inputs, ImmutableArray<string> Outputs,
    VectorKind Kind, long Elements, double OpsPerElement)
    : Operator(Name, OpType, Inputs, Outputs)
{
    public double Operations => Elements * OpsPerElement;

    /// <summary>The pooling window, when known; tiling uses it for receptive fields.</summary>
    public SlidingWindow? Window { get; init; }
}

/// <summary>
/// A pooling window over the spatial axes of an NCHW tensor (Y = H, X = W; an NCL tensor uses X only): output
/// index o reads input indices o·Stride − Padding … o·Stride − Padding + (Kernel − 1)·Dilation.
/// </summary>
public sealed record SlidingWindow(long KernelY, long KernelX, long StrideY, long StrideX, long PaddingY = 0, long PaddingX = 0,
    long DilationY = 1, long DilationX = 1);

/// <summary>Data-movement-only operators.</summary>
public enum ShapeKind { Reshape, Transpose, Concat, Slice, Split, Pad, Resize, Identity }

/// <summary>An operator that only moves data. Reshape and identity are views and move nothing.</summary>
public sealed record ShapeOperator(
    string Name, string OpType, ImmutableArray<string> Inputs, ImmutableArray<string> Outputs, ShapeKind Kind)
    : Operator(Name, OpType, Inputs, Outputs)
{
    public bool MovesData => Kind is not (ShapeKind.Reshape or ShapeKind.Identity);
}
