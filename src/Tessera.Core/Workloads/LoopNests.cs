using System.Collections.Immutable;

namespace Tessera.Workloads;

/// <summary>Builders for the loop nests of common operators, with ZigZag/Stream dimension names.</summary>
public static class LoopNests
{
    /// <summary>
    /// A (grouped, strided, dilated) convolution. Dimensions B G K C OY OX FY FX, where K and C are the
    /// output and input channels per group; depthwise is groups = channels with K = C = 1. Padding is the zero
    /// padding before the first input row/column (the end padding follows from the sizes); the input height and width,
    /// when given, bound the input tiles (padding holds no data). Partial sums are as wide as
    /// one product (input + weight bits) unless <paramref name="partialSumBits"/> says otherwise.
    /// </summary>
    public static LoopNest Convolution(
        string input, string weight, string output,
        long batch, long groups, long outChannelsPerGroup, long inChannelsPerGroup,
        long outHeight, long outWidth, long kernelHeight, long kernelWidth,
        long strideY = 1, long strideX = 1, long dilationY = 1, long dilationX = 1,
        int inputBits = 8, int weightBits = 8, int outputBits = 8, long paddingY = 0, long paddingX = 0, int? partialSumBits = null,
        long inputHeight = 0, long inputWidth = 0)
    {
        ImmutableArray<LoopDimension> dims =
        [
            new("B", batch), new("G", groups), new("K", outChannelsPerGroup), new("C", inChannelsPerGroup),
            new("OY", outHeight), new("OX", outWidth), new("FY", kernelHeight), new("FX", kernelWidth),
        ];
        var inChannel = OperandAxis.Of(new IndexTerm("G", inChannelsPerGroup), new IndexTerm("C"));
        var outChannel = OperandAxis.Of(new IndexTerm("G", outChannelsPerGroup), new IndexTerm("K"));
        ImmutableArray<LoopOperand> operands =
        [
            new(input, OperandRole.Input,
                [OperandAxis.Of("B"), inChannel,
                 OperandAxis.Of(new IndexTerm("OY", strideY), new IndexTerm("FY", dilationY)) with { Padding = paddingY, Length = inputHeight },
                 OperandAxis.Of(new IndexTerm("OX", strideX), new IndexTerm("FX", dilationX)) with { Padding = paddingX, Length = inputWidth }], inputBits),
            new(weight, OperandRole.Weight,
                [outChannel, OperandAxis.Of("C"), OperandAxis.Of("FY"), OperandAxis.Of("FX")], weightBits),
            new(output, OperandRole.Output,
                [OperandAxis.Of("B"), outChannel, OperandAxis.Of("OY"), OperandAxis.Of("OX")], outputBits)
            { PartialSumBits = PartialSumBits(inputBits, weightBits, outputBits, partialSumBits) },
        ];
        return new LoopNest(dims, operands);
    }

    /// <summary>
    /// A batched matrix product O[b][d][k] += I[b][d][c] · W[(b)][c][k] of <paramref name="m"/> rows,
    /// <paramref name="n"/> outputs and reduction <paramref name="k"/>. Dimensions follow Stream's GEMM names —
    /// D rows, K outputs, C reduction — so that a dataflow unrolling K and C serves convolutions and GEMMs alike.
    /// With <paramref name="sharedRight"/> the right operand is one matrix for every batch entry (a weight),
    /// otherwise one per batch entry (attention's Q·Kᵀ and P·V). Partial sums as for <see cref="Convolution"/>.
    /// </summary>
    public static LoopNest MatMul(
        string left, string right, string output, long batch, long m, long n, long k,
        bool sharedRight = true, int leftBits = 8, int rightBits = 8, int outputBits = 8, int? partialSumBits = null)
    {
        ImmutableArray<LoopDimension> dims = [new("B", batch), new("D", m), new("K", n), new("C", k)];
        ImmutableArray<OperandAxis> rightAxes = sharedRight
            ? [OperandAxis.Of("C"), OperandAxis.Of("K")]
            : [OperandAxis.Of("B"), OperandAxis.Of("C"), OperandAxis.Of("K")];
        ImmutableArray<LoopOperand> operands =
        [
            new(left, OperandRole.Input, [OperandAxis.Of("B"), OperandAxis.Of("D"), OperandAxis.Of("C")], leftBits),
            new(right, OperandRole.Weight, rightAxes, rightBits),
            new(output, OperandRole.Output, [OperandAxis.Of("B"), OperandAxis.Of("D"), OperandAxis.Of("K")], outputBits)
            { PartialSumBits = PartialSumBits(leftBits, rightBits, outputBits, partialSumBits) },
        ];
        return new LoopNest(dims, operands);
    }

    /// <summary>A product of a-bit and b-bit operands needs a + b bits: the narrowest accumulator that loses nothing per term.</summary>
    private static int PartialSumBits(int a, int b, int output, int? given) => given ?? Math.Max(output, a + b);
}
