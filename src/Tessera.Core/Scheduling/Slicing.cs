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
    /// The nest of <paramref name="samples"/> of a batch of <paramref name="batch"/> samples: the dimension that carries the
    /// batch — B when it is a multiple of the batch (a convolution's images, an attention product's batch × heads), else the
    /// rows D (a linear layer's batch × tokens) — scaled by samples ÷ batch, so whole samples are taken and none is split.
    /// </summary>
    public static LoopNest Samples(LoopNest nest, int batch, int samples, string operatorName)
    {
        ArgumentNullException.ThrowIfNull(nest);
        if (samples == batch) return nest;
        foreach (var name in new[] { "B", "D" })
            if (nest.Sizes.TryGetValue(name, out var size) && size % batch == 0)
                return new LoopNest([.. nest.Dimensions.Select(d => d.Name == name ? d with { Size = size / batch * samples } : d)], nest.Operands);
        throw new InfeasibleException($"operator {operatorName} has no batch (B) or row (D) dimension that is a multiple of the batch {batch}; " +
            "it cannot run in mini-batches of whole samples (expected a mini-batch size equal to the batch)");
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

/// <summary>
/// How one model's batch is cut into pipelined mini-batches: into <see cref="Count"/> even parts along the batch, rows or
/// image rows (<see cref="Slicing.BatchDimension"/>; a batch-1 model is split along its tokens or rows), or, when
/// <see cref="SamplesPer"/> is set, into mini-batches of that many whole samples (SCAR's b′ ≤ b; the last one takes what
/// remains).
/// </summary>
public sealed record MiniBatchSplit(int Count, int Batch, int? SamplesPer)
{
    /// <summary>The model's own mini-batch size when it has one, else <paramref name="count"/> even parts.</summary>
    public static MiniBatchSplit Of(ModelInstance model, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.MiniBatchSize is not { } size) return new(count, model.Batch, null);
        if (size < 1 || size > model.Batch)
            throw new TesseraInputException($"mini-batch size {size} of {model.Label}; expected 1 to its batch {model.Batch} samples");
        return new((model.Batch + size - 1) / size, model.Batch, size);
    }

    /// <summary>Mini-batches in the batch as a real number, b ÷ b′ in SCAR's pipelining equation.</summary>
    public double Ratio => SamplesPer is { } s ? Batch / (double)s : Count;

    /// <summary>Samples in mini-batch <paramref name="index"/> (sample mode only).</summary>
    public int SamplesIn(int index) => Math.Min(SamplesPer!.Value, Batch - index * SamplesPer.Value);

    /// <summary>Mini-batch <paramref name="index"/>'s share of a batch-wide byte count (the shares sum to the total).</summary>
    public long Bytes(long total, int index)
    {
        if (SamplesPer is not { } size) return Slicing.Share(total, Count, index);
        long first = (long)index * size, end = first + SamplesIn(index);
        return (long)((Int128)total * end / Batch - (Int128)total * first / Batch);
    }

    public LoopNest Nest(LoopNest nest, int index, string operatorName) =>
        Count == 1 ? nest
        : SamplesPer is null ? Slicing.Slice(nest, Slicing.BatchDimension(nest, Count), Count, index)
        : Slicing.Samples(nest, Batch, SamplesIn(index), operatorName);

    public VectorWork Work(VectorWork work, int index) =>
        Count == 1 ? work
        : SamplesPer is null ? Slicing.Slice(work, Count, index)
        : new(work.Operations * SamplesIn(index) / Batch, Bytes(work.InputBytes, index), Bytes(work.OutputBytes, index));
}
