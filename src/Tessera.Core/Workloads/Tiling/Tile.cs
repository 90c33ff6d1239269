using System.Collections.Immutable;

namespace Tessera.Workloads.Tiling;

/// <summary>A half-open index range [Start, End).</summary>
public readonly record struct IndexRange(long Start, long End)
{
    public long Length => Math.Max(0, End - Start);

    public bool IsEmpty => End <= Start;

    public IndexRange Intersect(IndexRange other) => new(Math.Max(Start, other.Start), Math.Min(End, other.End));

    public bool Overlaps(IndexRange other) => Math.Max(Start, other.Start) < Math.Min(End, other.End);

    public override string ToString() => $"[{Start},{End})";
}

/// <summary>The range of one loop dimension (or, for vector and shape operators, one output axis) that a tile covers.</summary>
public sealed record DimensionRange(string Dimension, IndexRange Range);

/// <summary>A box of a tensor that a tile reads or writes: one range per tensor axis.</summary>
public sealed record TensorBox(string Tensor, ImmutableArray<IndexRange> Axes, int Bits)
{
    public long Elements => Axes.Aggregate(1L, (product, a) => product * a.Length);

    /// <summary>Bytes rounded up to whole bytes.</summary>
    public long Bytes => (Elements * Bits + 7) / 8;

    public bool IsEmpty => Axes.Any(a => a.IsEmpty);

    /// <summary>Elements both boxes hold (0 when they are on different tensors or disjoint).</summary>
    public long OverlapElements(TensorBox other)
    {
        if (Tensor != other.Tensor || Axes.Length != other.Axes.Length) return 0;
        long elements = 1;
        for (int i = 0; i < Axes.Length && elements > 0; i++)
            elements *= Axes[i].Intersect(other.Axes[i]).Length;
        return elements;
    }

    /// <summary>The elements both boxes hold, as a box (empty when disjoint); the tensors must match.</summary>
    public TensorBox Intersect(TensorBox other) =>
        this with { Axes = [.. Axes.Select((a, i) => a.Intersect(other.Axes[i]))] };

    /// <summary>The smallest box holding both (the tensors must match).</summary>
    public TensorBox Span(TensorBox other) =>
        this with { Axes = [.. Axes.Select((a, i) => new IndexRange(Math.Min(a.Start, other.Axes[i].Start), Math.Max(a.End, other.Axes[i].End)))] };

    /// <summary>
    /// What this box holds beyond <paramref name="held"/> when that is one box: this box cut along the one axis where
    /// the two differ and <paramref name="held"/> covers one end of it; null when the rest is not a box.
    /// </summary>
    public TensorBox? Beyond(TensorBox held)
    {
        if (held.Tensor != Tensor || held.Axes.Length != Axes.Length) return null;
        int axis = -1;
        for (int i = 0; i < Axes.Length; i++)
        {
            if (Axes[i] == held.Axes[i]) continue;
            if (axis >= 0) return null;
            axis = i;
        }
        if (axis < 0) return this with { Axes = [.. Axes.Select(_ => new IndexRange(0, 0))] };
        var (mine, theirs) = (Axes[axis], held.Axes[axis]);
        IndexRange? rest = theirs.Start <= mine.Start && theirs.End > mine.Start ? new IndexRange(theirs.End, Math.Max(theirs.End, mine.End))
            : theirs.End >= mine.End && theirs.Start < mine.End ? new IndexRange(mine.Start, Math.Min(mine.End, theirs.Start))
            : null;
        return rest is { } r ? this with { Axes = Axes.SetItem(axis, r) } : null;
    }

    public override string ToString() => $"{Tensor}{string.Concat(Axes)}";
}

/// <summary>What a tile computes.</summary>
public enum TileKind { Compute, Vector, Shape }

/// <summary>
/// A computation node: one operator restricted to a range of every dimension. Compute tiles have their own
/// loop nest (<see cref="Nest"/>: sizes = range lengths, operand axes unchanged); vector tiles carry their
/// operation count; shape tiles only move data.
/// </summary>
/// <param name="Id">Index of the tile in <see cref="TiledWorkload.Tiles"/>.</param>
/// <param name="Source">The operator the tile belongs to.</param>
/// <param name="Index">Position of the tile among its operator's tiles.</param>
public sealed record Tile(
    int Id, Operator Source, int Index, TileKind Kind, ImmutableArray<DimensionRange> Ranges,
    double VectorOperations, ImmutableArray<TensorBox> Reads, ImmutableArray<TensorBox> Writes)
{
    private LoopNest? _nest;

    public string Operator => Source.Name;

    public string OpType => Source.OpType;

    /// <summary>The tile's loop nest (built on first use: most tilings never need all of them); null unless compute.</summary>
    public LoopNest? Nest => Source is ComputeOperator c
        ? _nest ??= new LoopNest([.. Ranges.Select(r => new LoopDimension(r.Dimension, r.Range.Length))], c.Nest.Operands)
        : null;

    /// <summary>Multiply-accumulates: the product of the range lengths of a compute tile.</summary>
    public long Macs => Kind == TileKind.Compute ? Ranges.Aggregate(1L, (p, r) => checked(p * r.Range.Length)) : 0;

    /// <summary>The range of a dimension, or null when the operator has no such dimension.</summary>
    public IndexRange? RangeOf(string dimension)
    {
        foreach (var r in Ranges)
            if (r.Dimension == dimension) return r.Range;
        return null;
    }

    /// <summary>Same id, operator, kind and ranges (the cached nest does not take part).</summary>
    public bool Equals(Tile? other) => other is not null && Id == other.Id && Index == other.Index && Kind == other.Kind
        && Source.Name == other.Source.Name && Ranges.SequenceEqual(other.Ranges);

    public override int GetHashCode() => HashCode.Combine(Id, Source.Name, Index);

    public override string ToString() => $"#{Id} {Operator}{string.Concat(Ranges.Select(r => $" {r.Dimension}{r.Range}"))}";
}

/// <summary>Data a consumer tile needs from a producer tile: the overlap of the producer's written box and the consumer's read box.</summary>
public sealed record TileDependency(int From, int To, string Tensor, long Bytes);

/// <summary>Data a tile moves to or from off-chip memory: a parameter slice, a model input or a model output.</summary>
public sealed record TileTransfer(int Tile, string Tensor, long Bytes);

/// <summary>
/// A model split into tiles with exact dependencies. Tiles are in the model's topological order, operator by
/// operator, so every dependency goes from a lower id to a higher one.
/// </summary>
public sealed record TiledWorkload(
    ModelGraph Model,
    ImmutableArray<Tile> Tiles,
    ImmutableArray<TileDependency> Dependencies,
    ImmutableArray<TileTransfer> ParameterReads,
    ImmutableArray<TileTransfer> ModelInputReads,
    ImmutableArray<TileTransfer> ModelOutputWrites)
{
    private readonly ImmutableDictionary<string, (int First, int Count)> _byOperator = Tiles
        .GroupBy(t => t.Operator, StringComparer.Ordinal)
        .ToImmutableDictionary(g => g.Key, g => (g.Min(t => t.Id), g.Count()), StringComparer.Ordinal);

    /// <summary>The tiles of one operator, in order.</summary>
    public ImmutableArray<Tile> TilesOf(string operatorName) =>
        _byOperator.TryGetValue(operatorName, out var span) ? Tiles.Slice(span.First, span.Count) : [];

    /// <summary>Dependencies into each tile, indexed by tile id.</summary>
    public ImmutableArray<ImmutableArray<TileDependency>> Predecessors()
    {
        var lists = Tiles.Select(_ => ImmutableArray.CreateBuilder<TileDependency>()).ToArray();
        foreach (var d in Dependencies) lists[d.To].Add(d);
        return [.. lists.Select(l => l.ToImmutable())];
    }

    /// <summary>Dependencies out of each tile, indexed by tile id.</summary>
    public ImmutableArray<ImmutableArray<TileDependency>> Successors()
    {
        var lists = Tiles.Select(_ => ImmutableArray.CreateBuilder<TileDependency>()).ToArray();
        foreach (var d in Dependencies) lists[d.From].Add(d);
        return [.. lists.Select(l => l.ToImmutable())];
    }

    public long TotalDependencyBytes => Dependencies.Sum(d => d.Bytes);
}
