using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Workloads;

/// <summary>A named loop dimension of an einsum-style operator, e.g. K = 64.</summary>
public sealed record LoopDimension(string Name, long Size);

/// <summary>One term of an operand index: coefficient × dimension (OY·stride, FY·dilation).</summary>
public sealed record IndexTerm(string Dimension, long Coefficient = 1);

/// <summary>One axis of an operand: a sum of terms, e.g. iy = OY·stride + FY·dilation.</summary>
public sealed record OperandAxis(ImmutableArray<IndexTerm> Terms)
{
    /// <summary>
    /// Zero padding before the tensor's first element: index value i touches tensor element i − Padding
    /// (a 3×3 "same" convolution has Padding 1 on its input rows). 0 when the axis maps 1:1 to the tensor.
    /// </summary>
    public long Padding { get; init; }

    /// <summary>
    /// The tensor's extent along this axis when index values run past it (the padding at both ends holds no data, so a
    /// tile never holds more than this); 0 when the axis maps 1:1 to the tensor.
    /// </summary>
    public long Length { get; init; }

    public static OperandAxis Of(string dimension) => new([new IndexTerm(dimension)]);

    public static OperandAxis Of(params IndexTerm[] terms) => new([.. terms]);

    /// <summary>Number of distinct index values: Σ coefficient·(size − 1) + 1.</summary>
    public long Extent(IReadOnlyDictionary<string, long> sizes)
    {
        long extent = 1;
        foreach (var term in Terms)
            extent += term.Coefficient * (sizes[term.Dimension] - 1);
        return extent;
    }
}

/// <summary>Which role an operand plays in a MAC: I1 inputs, I2 weights, O outputs in ZigZag's terms.</summary>
public enum OperandRole { Input, Weight, Output }

/// <summary>An operand of a loop nest: a projection of the loop dimensions onto a tensor.</summary>
public sealed record LoopOperand(string Tensor, OperandRole Role, ImmutableArray<OperandAxis> Axes, int Bits)
{
    /// <summary>
    /// Bits of a partial sum while a reduction is incomplete (an output's accumulator width, ZigZag's O against
    /// O_final); <see cref="Bits"/> is the final value's width. Equal to <see cref="Bits"/> unless set.
    /// </summary>
    public int PartialSumBits { get; init; } = Bits;

    /// <summary>Dimensions that change this operand (relevant or partially relevant).</summary>
    public ImmutableHashSet<string> RelevantDimensions { get; } =
        Axes.SelectMany(a => a.Terms).Select(t => t.Dimension).ToImmutableHashSet();

    /// <summary>Distinct elements this operand touches over the whole nest.</summary>
    public long UniqueElements(IReadOnlyDictionary<string, long> sizes)
    {
        long elements = 1;
        foreach (var axis in Axes)
            elements *= axis.Extent(sizes);
        return elements;
    }
}

/// <summary>An einsum-style loop nest: every combination of dimension values is one MAC.</summary>
public sealed record LoopNest
{
    public LoopNest(ImmutableArray<LoopDimension> dimensions, ImmutableArray<LoopOperand> operands)
    {
        foreach (var d in dimensions)
            if (d.Size <= 0)
                throw new TesseraInputException($"loop dimension {d.Name} has size {d.Size}; expected a positive size");
        var names = dimensions.Select(d => d.Name).ToHashSet();
        if (names.Count != dimensions.Length)
            throw new TesseraInputException("loop dimensions must have distinct names");
        foreach (var term in operands.SelectMany(o => o.Axes).SelectMany(a => a.Terms))
            if (!names.Contains(term.Dimension))
                throw new TesseraInputException($"operand index uses unknown dimension {term.Dimension}");
        if (!operands.Any(o => o.Role == OperandRole.Output))
            throw new TesseraInputException("a loop nest needs an output operand");
        Dimensions = dimensions;
        Operands = operands;
        Sizes = dimensions.ToImmutableDictionary(d => d.Name, d => d.Size);
    }

    public ImmutableArray<LoopDimension> Dimensions { get; }
    public ImmutableArray<LoopOperand> Operands { get; }
    public ImmutableDictionary<string, long> Sizes { get; }

    /// <summary>Multiply-accumulates: the product of all loop sizes.</summary>
    public long Macs => Dimensions.Aggregate(1L, (product, d) => checked(product * d.Size));

    public LoopOperand Operand(OperandRole role) => Operands.First(o => o.Role == role);

    public long UniqueElements(LoopOperand operand) => operand.UniqueElements(Sizes);

    public long UniqueBits(LoopOperand operand) => operand.UniqueElements(Sizes) * operand.Bits;
}
