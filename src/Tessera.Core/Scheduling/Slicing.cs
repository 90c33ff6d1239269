using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>Even splits of loop nests, vector work and byte counts (the remainder goes to the last part).</summary>
public static class Slicing
{
    /// <summary>Part <paramref name="index"/> of <paramref name="total"/> split into <paramref name="parts"/>.</summary>
    public static long Share(long total, int parts, int index) =>
        index == parts - 1 ? total - total / parts * (parts - 1) : total / parts;

    /// <summary>The same nest with one dimension's size replaced by its share.</summary>
    public static LoopNest Slice(LoopNest nest, string dimension, int parts, int index)
    {
        if (!nest.Sizes.TryGetValue(dimension, out var size))
            throw new TesseraInputException($"cannot split loop dimension {dimension}: the nest has no such dimension");
        if (size < parts)
            throw new TesseraInputException($"cannot split {dimension} = {size} into {parts} parts");
        long share = Share(size, parts, index);
        return new LoopNest([.. nest.Dimensions.Select(d => d.Name == dimension ? d with { Size = share } : d)], nest.Operands);
    }

    public static VectorWork Slice(VectorWork work, int parts, int index) => new(
        work.Operations / parts, Share(work.InputBytes, parts, index), Share(work.OutputBytes, parts, index));

    /// <summary>
    /// The dimension a mini-batch split divides: the batch B when it has room, else the rows D (the tokens of
    /// a batch-1 stream) or OY (the image rows of a batch-1 convolution), else the first dimension that does.
    /// </summary>
    public static string BatchDimension(LoopNest nest, int parts)
    {
        foreach (var name in new[] { "B", "D", "OY" })
            if (nest.Sizes.TryGetValue(name, out var s) && s >= parts) return name;
        return nest.Dimensions.FirstOrDefault(d => d.Size >= parts)?.Name
            ?? throw new InfeasibleException($"no loop dimension of size ≥ {parts} to split into mini-batches");
    }

    /// <summary>
    /// The output dimension a tensor-parallel split divides: the heads (B) of an attention matmul, whose right
    /// operand differs per batch entry, else the output channels K.
    /// </summary>
    public static string OutputDimension(LoopNest nest)
    {
        var weight = nest.Operands.FirstOrDefault(o => o.Role == OperandRole.Weight);
        if (weight is not null && weight.RelevantDimensions.Contains("B") && nest.Sizes.ContainsKey("B")) return "B";
        if (nest.Sizes.ContainsKey("K")) return "K";
        return nest.Dimensions.OrderByDescending(d => d.Size).First().Name;
    }
}
